#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "../support.hpp"
#include "pare/analyze/efficiency.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/image/bundle.hpp"
#include "pare/image/image.hpp"

using namespace pare;

namespace {

TarEntry file(std::string path, std::uint64_t size) {
  TarEntry e;
  e.path = std::move(path);
  e.type = EntryType::kFile;
  e.size = size;
  return e;
}

TarEntry dir(std::string path) {
  TarEntry e;
  e.path = std::move(path);
  e.type = EntryType::kDir;
  return e;
}

TarEntry hardlink(std::string path, std::string target) {
  TarEntry e;
  e.path = std::move(path);
  e.type = EntryType::kHardlink;
  e.link_target = std::move(target);
  return e;
}

}  // namespace

TEST_CASE("dive's metrics on dive's own test-docker-image.tar match dive's published numbers") {
  // Where tests/e2e/lib.sh looks: $PARE_SHARED, else shared/ beside the repository.
  const char* shared = std::getenv("PARE_SHARED");
  const std::string fixture =
      (shared != nullptr && *shared != '\0' ? std::string(shared)
                                            : std::string(PARE_SOURCE_DIR "/../shared")) +
      "/peer-fixtures/dive/test-docker-image.tar";
  if (!std::filesystem::exists(fixture)) {
    if (in_ci()) FAIL("missing peer fixture ", fixture);
    MESSAGE("skipped: no peer fixture at ", fixture);
    return;
  }
  const auto bundle = open_bundle(fixture);
  const Image image = load_image(*bundle, {});
  REQUIRE(image.layers.size() == 14);
  LayerAccounting accounting;
  std::size_t fed = 0;
  BuildTreeOptions reading;
  reading.on_entries = [&](std::size_t index, const std::vector<TarEntry>& entries) {
    CHECK(index == fed++);
    accounting.add_layer(entries);
  };
  build_tree(*bundle, image, reading);
  CHECK(fed == 14);
  const DiveMetrics dive = accounting.dive();
  CHECK(dive.efficiency == doctest::Approx(0.9844212134184309).epsilon(1e-12));
  CHECK(dive.size_bytes == 1220598);
  CHECK(dive.user_size_bytes == 66237);
  CHECK(dive.wasted_bytes == 32025);
  CHECK(dive.user_wasted_percent == doctest::Approx(0.4834911001404049).epsilon(1e-12));
  // dive's CI table for this image: somefile1.txt (2 copies), saved.txt (2), somefile3.txt
  // (written, then whited out: dive sizes a deleted file as 0).
  REQUIRE(dive.inefficient.size() == 3);
  CHECK(dive.inefficient[0].path == "root/example/somefile1.txt");
  CHECK(dive.inefficient[0].count == 2);
  CHECK(dive.inefficient[0].cumulative_size == 12810);
  CHECK(dive.inefficient[1].path == "root/saved.txt");
  CHECK(dive.inefficient[1].cumulative_size == 12810);
  CHECK(dive.inefficient[2].path == "root/example/somefile3.txt");
  CHECK(dive.inefficient[2].cumulative_size == 6405);

  // pare's waste counts only copies that do not show: somefile1 of layer 3 (chmod in layer 4),
  // somefile1 of layer 4 and somefile2 (layer 9 deletes root/example), somefile3 (whited out
  // in layer 7), saved.txt of layer 7 (replaced in layer 13). Equal to dive's 32025 by chance.
  const WasteReport waste = accounting.waste();
  REQUIRE(waste.layers.size() == 14);
  for (std::size_t i = 0; i < waste.layers.size(); ++i) {
    CAPTURE(i);
    CHECK(waste.layers[i].bytes_overwritten_later == (i >= 3 && i <= 7 ? 6405U : 0U));
  }
  CHECK(waste.wasted_bytes == 5 * 6405);
  CHECK(waste.layers[1].bytes_added == 6405);
}

TEST_CASE("dive's metrics: whiteouts of folders count what they delete, of files nothing") {
  LayerAccounting a;
  a.add_layer({dir("d"), file("d/x", 100), file("d/y", 50), file("f", 10)});
  // Without its folder's entry, dive's tree would make d an implicit node that is no folder,
  // and the whiteout below would then count 0.
  a.add_layer({dir("d"), file("d/x", 100)});
  a.add_layer({dir("e"), file("e/.wh.nothing", 0), file("e/z", 7)});  // stops dive's walk at e
  a.add_layer({file(".wh.d", 0), file(".wh.f", 0)});
  const DiveMetrics m = a.dive();
  // Paths: d/x 100+100 (min 100), d/y 50, f 10 + 0 (min 0), d 150 (whiteout of a folder); e/z is
  // never visited. Layer sizes still count every entry.
  CHECK(m.size_bytes == 267);
  CHECK(m.user_size_bytes == 107);
  CHECK(m.wasted_bytes == 210);  // d/x's two copies and f's
  CHECK(m.efficiency == doctest::Approx(300.0 / 410.0).epsilon(1e-12));
  REQUIRE(m.inefficient.size() == 2);
  CHECK(m.inefficient[0].path == "d/x");
  CHECK(m.inefficient[0].count == 2);
  CHECK(m.inefficient[1].path == "f");
  CHECK(m.user_wasted_percent == doctest::Approx(210.0 / 107.0).epsilon(1e-12));

  const DiveMetrics empty = LayerAccounting{}.dive();
  CHECK(empty.efficiency == 1.0);
  CHECK(empty.user_wasted_percent == 0.0);  // dive: 0/0, NaN
}

TEST_CASE("pare's waste counts only copies that do not show in the final tree") {
  LayerAccounting a;
  a.add_layer({dir("etc"), file("etc/conf", 100), file("/bin/tool", 1000), file("./once", 7),
               dir("opt"), file("opt/a", 20), file("opt/b", 30), file("gone", 5)});
  a.add_layer({file("opt/.wh..wh..opq", 0), file("opt/c", 3), file(".wh.gone", 0)});
  a.add_layer({file("etc/conf", 110), file("bin/tool", 1000)});
  const WasteReport w = a.waste();
  REQUIRE(w.layers.size() == 3);
  CHECK(w.layers[0].bytes_added == 1162);
  // etc/conf and bin/tool overwritten in layer 2, opt/a and opt/b hidden by the opaque folder,
  // gone whited out; once is written once and shows.
  CHECK(w.layers[0].bytes_overwritten_later == 100 + 1000 + 20 + 30 + 5);
  CHECK(w.layers[1].bytes_added == 3);
  CHECK(w.layers[1].bytes_overwritten_later == 0);
  CHECK(w.layers[2].bytes_added == 1110);
  CHECK(w.layers[2].bytes_overwritten_later == 0);  // the final copy is never waste
  CHECK(w.wasted_bytes == 1155);
}

TEST_CASE("pare's waste: a folder replaced by a file, a whiteout of a folder, hardlinks") {
  LayerAccounting a;
  a.add_layer({dir("a"), file("a/x", 4), file("a/y", 6), dir("b"), file("b/z", 8), file("h", 9),
               hardlink("h2", "h")});
  a.add_layer({file("a", 1), file(".wh.b", 0), file(".wh.h", 0)});
  // A whiteout never deletes an entry of its own layer.
  a.add_layer({file("n", 2), file(".wh.n", 0)});
  const WasteReport w = a.waste();
  CHECK(w.layers[0].bytes_added == 27);
  // a/x, a/y under the replaced folder, b/z whited out; h's bytes still show through h2.
  CHECK(w.layers[0].bytes_overwritten_later == 18);
  CHECK(w.layers[2].bytes_overwritten_later == 0);
  CHECK(w.wasted_bytes == 18);

  // A file written twice in one tar: the first copy does not show.
  LayerAccounting twice;
  twice.add_layer({file("t", 5), file("t", 6)});
  CHECK(twice.waste().layers[0].bytes_overwritten_later == 5);
  CHECK(twice.waste().wasted_bytes == 5);
}
