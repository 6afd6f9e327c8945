#include "pare/analyze/treemap.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

using namespace pare;

namespace {

constexpr double kEps = 1e-6;

TarEntry file(const std::string& path, std::uint64_t size, std::uint32_t mode = 0644) {
  TarEntry e;
  e.path = path;
  e.type = EntryType::kFile;
  e.mode = mode;
  e.size = size;
  return e;
}

TarEntry dir(const std::string& path) {
  TarEntry e;
  e.path = path;
  e.type = EntryType::kDir;
  e.mode = 0755;
  return e;
}

bool inside(const Rect& r, const Rect& bounds) {
  return r.x >= bounds.x - kEps && r.y >= bounds.y - kEps && r.w >= 0 && r.h >= 0 &&
         r.x + r.w <= bounds.x + bounds.w + kEps && r.y + r.h <= bounds.y + bounds.h + kEps;
}

double overlap(const Rect& a, const Rect& b) {
  const double w = std::min(a.x + a.w, b.x + b.w) - std::max(a.x, b.x);
  const double h = std::min(a.y + a.h, b.y + b.h) - std::max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/// Areas proportional to sizes, inside the bounds, not overlapping, tiling them.
void check_layout(const std::vector<double>& sizes, const Rect& bounds) {
  const std::vector<Rect> rects = squarify(sizes, bounds);
  REQUIRE(rects.size() == sizes.size());
  const double total = std::accumulate(sizes.begin(), sizes.end(), 0.0);
  double covered = 0;
  for (std::size_t i = 0; i < rects.size(); ++i) {
    INFO("rectangle " << i);
    CHECK(inside(rects[i], bounds));
    CHECK(rects[i].area() == doctest::Approx(sizes[i] / total * bounds.area()).epsilon(1e-9));
    covered += rects[i].area();
    for (std::size_t k = 0; k < i; ++k) CHECK(overlap(rects[i], rects[k]) < 1e-6);
  }
  CHECK(covered == doctest::Approx(bounds.area()));
}

/// A Rootfs of one layer per list.
Rootfs tree_of(const std::vector<std::vector<TarEntry>>& layers) {
  Rootfs fs;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    fs.apply_layer(static_cast<int>(i), layers[i], "layer " + std::to_string(i));
  }
  return fs;
}

bool same(const Treemap& a, const Treemap& b) {
  if (a.boxes.size() != b.boxes.size()) return false;
  for (std::size_t i = 0; i < a.boxes.size(); ++i) {
    const TreemapBox& x = a.boxes[i];
    const TreemapBox& y = b.boxes[i];
    if (x.name != y.name || x.parent != y.parent || x.bytes != y.bytes || x.layer != y.layer ||
        x.marks != y.marks || x.rect.x != y.rect.x || x.rect.y != y.rect.y ||
        x.rect.w != y.rect.w || x.rect.h != y.rect.h) {
      return false;
    }
  }
  return true;
}

}  // namespace

TEST_CASE("html treemap: squarify gives areas proportional to sizes, inside the bounds") {
  // The example of Bruls, Huizing and van Wijk: 6, 6, 4, 3, 2, 2, 1 in a 6 x 4 rectangle.
  check_layout({6, 6, 4, 3, 2, 2, 1}, {0, 0, 6, 4});
  const std::vector<Rect> paper = squarify(std::vector<double>{6, 6, 4, 3, 2, 2, 1}, {0, 0, 6, 4});
  // Its first row: the two 6s stacked in a 3-wide column at the left.
  CHECK(paper[0].x == doctest::Approx(0));
  CHECK(paper[0].w == doctest::Approx(3));
  CHECK(paper[1].y == doctest::Approx(2));
  check_layout({1}, {10, 20, 30, 40});
  check_layout({5, 5, 5, 5}, {0, 0, 1200, 720});
  // Many sizes, as a folder of files has: a fixed pseudo-random sequence, largest first.
  std::vector<double> sizes;
  std::uint64_t seed = 1;
  for (int i = 0; i < 400; ++i) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    sizes.push_back(static_cast<double>(1 + (seed >> 33U) % 100000));
  }
  std::sort(sizes.rbegin(), sizes.rend());
  check_layout(sizes, {3, 5, 800, 300});
}

TEST_CASE("html treemap: squarify keeps boxes near square, and is deterministic") {
  const std::vector<double> sizes(64, 1.0);
  const std::vector<Rect> a = squarify(sizes, {0, 0, 800, 800});
  for (const Rect& r : a) CHECK(std::max(r.w / r.h, r.h / r.w) < 2.5);
  const std::vector<Rect> b = squarify(sizes, {0, 0, 800, 800});
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].x == b[i].x);
    CHECK(a[i].y == b[i].y);
    CHECK(a[i].w == b[i].w);
    CHECK(a[i].h == b[i].h);
  }
}

TEST_CASE("html treemap: squarify gives empty sizes no room and handles nothing to lay out") {
  const std::vector<Rect> r = squarify(std::vector<double>{4, 0, 4, -1}, {0, 0, 8, 8});
  CHECK(r[0].area() == doctest::Approx(32));
  CHECK(r[1].area() == 0);
  CHECK(r[2].area() == doctest::Approx(32));
  CHECK(r[3].area() == 0);
  CHECK(squarify(std::vector<double>{}, {0, 0, 8, 8}).empty());
  const std::vector<Rect> flat = squarify(std::vector<double>{1, 2}, {0, 0, 0, 8});
  CHECK(flat[0].area() == 0);
  CHECK(flat[1].area() == 0);
}

TEST_CASE("html treemap: folders nest, files are sized by bytes, each coloured by its layer") {
  const Rootfs fs = tree_of({
      {dir("usr"), dir("usr/bin"), file("usr/bin/big", 60000), file("usr/bin/small", 20000),
       dir("etc"), file("etc/passwd", 10000), file("etc/empty", 0)},
      {file("usr/bin/small", 20000), file("app", 10000, 04755)},
  });
  TreemapMarks marks;
  marks.kinds = {"setuid", "docs"};
  marks.paths = {{"/app", 0}, {"/etc", 1}, {"/not/there", 1}};
  marks.slim = true;
  marks.kept = {{"/usr/bin/big", "entrypoint"}};
  const Treemap map = make_treemap(fs, marks);
  CHECK(map.files == 4);
  CHECK(map.bytes == 100000);
  CHECK(map.summarized_files == 0);
  CHECK(map.empty_paths == 4);  // usr, usr/bin, etc, etc/empty
  // /, usr/bin (usr holds nothing else: one box for both), app, etc, big, small, passwd.
  REQUIRE(map.boxes.size() == 7);
  CHECK(map.boxes[1].name == "usr/bin");
  CHECK(map.boxes[0].name == "/");
  CHECK(map.boxes[0].bytes == 100000);
  CHECK(map.boxes[0].kept == 60000);
  auto find = [&](const std::string& name) -> const TreemapBox& {
    const auto it = std::find_if(map.boxes.begin(), map.boxes.end(),
                                 [&](const TreemapBox& b) { return b.name == name; });
    REQUIRE(it != map.boxes.end());
    return *it;
  };
  const TreemapBox& big = find("big");
  const TreemapBox& small = find("small");
  CHECK(big.kind == BoxKind::kFile);
  CHECK(big.layer == 0);
  CHECK(small.layer == 1);  // the layer that last wrote it
  CHECK(big.kept == 60000);
  CHECK(big.reason == "entrypoint");
  CHECK(small.kept == 0);
  CHECK(big.rect.area() / small.rect.area() == doctest::Approx(3.0));
  CHECK(find("app").mark == 0);
  CHECK(find("passwd").mark == 1);  // below a marked folder
  CHECK(find("etc").kind == BoxKind::kFolder);
  CHECK(find("etc").marks == 2U);
  // Every box lies inside its folder's box; the root's children tile the plane by bytes.
  for (std::size_t i = 1; i < map.boxes.size(); ++i) {
    INFO(map.boxes[i].name);
    CHECK(map.boxes[i].parent < i);
    CHECK(inside(map.boxes[i].rect, map.boxes[map.boxes[i].parent].rect));
    if (map.boxes[i].parent == 0) {
      CHECK(map.boxes[i].rect.area() / (map.width * map.height) ==
            doctest::Approx(static_cast<double>(map.boxes[i].bytes) / 100000.0));
    }
  }
  CHECK(same(map, make_treemap(fs, marks)));
}

TEST_CASE("html treemap: a big folder is bounded, its small files drawn together and counted") {
  std::vector<TarEntry> layer{dir("data"), file("data/huge", 50'000'000)};
  for (int i = 0; i < 20000; ++i) layer.push_back(file("data/f" + std::to_string(i), 100 + i));
  layer.push_back(file("lone", 5'000'000));
  const Rootfs fs = tree_of({layer});
  TreemapLimits limits;
  limits.max_boxes = 500;
  const Treemap map = make_treemap(fs, {}, limits);
  CHECK(map.boxes.size() <= 500);
  CHECK(map.files == 20002);
  CHECK(map.summarized_files > 0);
  std::uint64_t leaf_bytes = 0;
  std::uint64_t leaf_files = 0;
  for (const auto& b : map.boxes) {
    if (b.kind == BoxKind::kFolder) continue;
    leaf_bytes += b.bytes;
    leaf_files += b.files;
  }
  // Every byte and file is in exactly one drawn box.
  CHECK(leaf_bytes == map.bytes);
  CHECK(leaf_files == map.files);
  const auto summary = std::find_if(map.boxes.begin(), map.boxes.end(), [](const TreemapBox& b) {
    return b.kind == BoxKind::kSummary;
  });
  REQUIRE(summary != map.boxes.end());
  CHECK(summary->name.empty());
  CHECK(summary->layer == 0);
  CHECK(summary->files == map.summarized_files);
}

TEST_CASE("html treemap: a chain of folders thousands deep is laid out without recursion") {
  std::vector<TarEntry> layer;
  std::string path;
  for (int i = 0; i < 3000; ++i) {
    path += (i == 0 ? "" : "/") + std::string("d");
    layer.push_back(dir(path));
  }
  layer.push_back(file(path + "/leaf", 1000));
  layer.push_back(file("top", 1000));
  const Rootfs fs = tree_of({layer});
  const Treemap map = make_treemap(fs, {});
  CHECK(map.files == 2);
  CHECK(map.boxes.size() < 100);  // a box for many folders of the chain at a time
  // Both files are drawn, the one at the chain's end alone or in a summary when room ran out.
  CHECK(std::count_if(map.boxes.begin(), map.boxes.end(), [](const TreemapBox& b) {
          return b.kind != BoxKind::kFolder && b.files == 1 && b.bytes == 1000;
        }) == 2);
  for (const auto& b : map.boxes) CHECK(b.name.size() <= 120);
}

TEST_CASE("html treemap: long names are shortened at a character boundary") {
  const std::string name = std::string(200, 'a') + "\xc3\xa9" + std::string(50, 'b');
  const Rootfs fs = tree_of({{file(name, 10)}});
  const Treemap map = make_treemap(fs, {});
  REQUIRE(map.boxes.size() == 2);
  CHECK(map.boxes[1].name.size() <= 120);
  CHECK(map.boxes[1].name.ends_with("\u2026"));
}
