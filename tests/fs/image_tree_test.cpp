#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "../support.hpp"
#include "../test_images.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/image/bundle.hpp"
#include "pare/util/error.hpp"
#include "pare/util/file.hpp"

// ImageTree::read gives what can be read without a layer pass; host files only through the
// reader the tree was given (fs itself never opens a host path).

using namespace pare;
using pare::testing::bytes_of;
using pare::testing::TreeBuilder;

namespace {

class OneHostFile final : public HostFiles {
 public:
  std::unique_ptr<ByteSource> open(const std::string& path) const override {
    opened = path;
    return std::make_unique<MemorySource>(bytes_of("host bytes"), path);
  }
  mutable std::string opened;
};

std::string text(const std::optional<std::vector<std::byte>>& bytes) {
  REQUIRE(bytes.has_value());
  return {reinterpret_cast<const char*>(bytes->data()), bytes->size()};
}

}  // namespace

TEST_CASE("ImageTree::read: captured bytes, stored bytes, host files, nothing for layer bytes") {
  ImageTree tree = TreeBuilder([](std::string_view path, std::span<const std::byte>) {
                     return path == "whole" ? Capture::kWhole : Capture::kNone;
                   })
                       .text("whole", "all of it")
                       .text("uncaptured", "stays in its layer")
                       .dir("dir")
                       .build();
  CHECK(text(tree.read(*tree.rootfs.find("whole"))) == "all of it");
  CHECK_FALSE(tree.read(*tree.rootfs.find("uncaptured")).has_value());
  CHECK_FALSE(tree.read(*tree.rootfs.find("dir")).has_value());

  const ContentRef written = tree.content.add(bytes_of("written"));
  TarEntry e;
  e.path = "etc/written";
  e.type = EntryType::kFile;
  e.size = 7;
  TarEntry h = e;
  h.path = "bin/tool";
  h.size = 10;
  tree.rootfs.apply_layer(
      1, {{e, StoredBytes{written}, {}, {}}, {h, HostBytes{"/opt/tool"}, {}, {}}}, "pare's files");
  CHECK(text(tree.read(*tree.rootfs.find("etc/written"))) == "written");

  // No reader: a host file cannot be read, and fs does not try the host itself.
  CHECK_THROWS_AS(tree.read(*tree.rootfs.find("bin/tool")), Error);
  const auto reader = std::make_shared<OneHostFile>();
  tree.host_files = reader;
  CHECK(text(tree.read(*tree.rootfs.find("bin/tool"))) == "host bytes");
  CHECK(reader->opened == "/opt/tool");
}

namespace {

/// What a GatedBundle saw: which layers were opened and which were read to their end.
class Events {
 public:
  void note(const std::string& what) {
    {
      const std::lock_guard lock(mutex_);
      seen_.insert(what);
    }
    changed_.notify_all();
  }
  /// Waits (at most 10 s: a guard against a hang, not a timing) until `what` was noted.
  bool wait_for(const std::string& what) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::seconds(10), [&] { return seen_.contains(what); });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::set<std::string> seen_;
};

/// A layer's stream that waits for an event before its first byte, changes a byte when told,
/// and notes its end.
class GatedSource final : public ByteSource {
 public:
  GatedSource(std::unique_ptr<ByteSource> inner, Events& events, std::string name, std::string gate,
              bool corrupt)
      : inner_(std::move(inner)),
        events_(events),
        name_(std::move(name)),
        gate_(std::move(gate)),
        corrupt_(corrupt) {}
  std::size_t read(std::span<std::byte> buf) override {
    if (!gate_.empty() && !events_.wait_for(std::exchange(gate_, {}))) {
      throw Error::bad_input(name_, "was read alone: the event it waited for never came");
    }
    const std::size_t n = inner_->read(buf);
    if (n > 8 && corrupt_) {
      buf[5] ^= std::byte{0xff};  // the gzip header's mtime: it inflates, but its digest is off
      corrupt_ = false;
    }
    if (n == 0) events_.note("end " + name_);
    return n;
  }
  std::string name() const override { return inner_->name(); }

 private:
  std::unique_ptr<ByteSource> inner_;
  Events& events_;
  std::string name_;
  std::string gate_;
  bool corrupt_;
};

/// A bundle whose layer `i` (by its path) waits for `gates[i]` and is corrupt when listed so.
class GatedBundle final : public Bundle {
 public:
  GatedBundle(std::unique_ptr<Bundle> inner, std::map<std::string, std::string> names)
      : inner_(std::move(inner)), names_(std::move(names)) {}
  const std::string& describe() const override { return inner_->describe(); }
  std::optional<std::uint64_t> size(const std::string& path) const override {
    return inner_->size(path);
  }
  std::unique_ptr<ByteSource> open(const std::string& path) const override {
    const auto it = names_.find(path);
    if (it == names_.end()) return inner_->open(path);
    const std::string& name = it->second;
    events.note("open " + name);
    return std::make_unique<GatedSource>(inner_->open(path), events, name, gates[name],
                                         corrupt.contains(name));
  }
  mutable Events events;
  mutable std::map<std::string, std::string> gates;  ///< layer name -> event it waits for
  std::set<std::string> corrupt;                     ///< layer names

 private:
  std::unique_ptr<Bundle> inner_;
  std::map<std::string, std::string> names_;  ///< layer path -> "layer N"
};

struct GatedImage {
  std::unique_ptr<TempDir> scratch = std::make_unique<TempDir>("pare-test");
  std::unique_ptr<GatedBundle> bundle;
  Image image;
};

/// Four layers: each writes "f" (the last one wins) and a file of its own.
GatedImage four_layers() {
  GatedImage g;
  std::vector<testing::LayerSpec> specs(4);
  for (std::size_t i = 0; i < specs.size(); ++i) {
    specs[i].file("f", "from layer " + std::to_string(i));
    specs[i].file("only" + std::to_string(i), std::string(1000 * (i + 1), 'x'));
  }
  testing::write_image(g.scratch->path() / "img.tar", specs);
  auto inner = open_bundle((g.scratch->path() / "img.tar").string());
  g.image = load_image(*inner, {});
  std::map<std::string, std::string> names;
  for (std::size_t i = 0; i < g.image.layers.size(); ++i) {
    names[g.image.layers[i].path] = "layer " + std::to_string(i);
  }
  g.bundle = std::make_unique<GatedBundle>(std::move(inner), names);
  return g;
}

}  // namespace

TEST_CASE("build_tree: layers stream at once; progress, entries and the merge follow layer order") {
  GatedImage g = four_layers();
  // Layer 0 cannot end before layer 1 has been opened, nor layer 2 before layer 3: read one at
  // a time, the gated layer would fail.
  g.bundle->gates["layer 0"] = "open layer 1";
  g.bundle->gates["layer 2"] = "open layer 3";
  const auto caller = std::this_thread::get_id();
  std::vector<std::size_t> started;
  std::vector<std::size_t> entries;
  bool on_caller = true;
  BuildTreeOptions reading;
  reading.on_layer = [&](std::size_t i, std::uint64_t read, std::uint64_t) {
    on_caller = on_caller && std::this_thread::get_id() == caller;
    if (read == 0) started.push_back(i);
  };
  reading.on_entries = [&](std::size_t i, const std::vector<TarEntry>& e) {
    on_caller = on_caller && std::this_thread::get_id() == caller;
    entries.push_back(i);
    CHECK(e.size() == 2);
  };
  const ImageTree tree = build_tree(*g.bundle, g.image, reading);
  CHECK(on_caller);
  CHECK(started == std::vector<std::size_t>{0, 1, 2, 3});
  CHECK(entries == std::vector<std::size_t>{0, 1, 2, 3});
  REQUIRE(tree.layers.size() == 4);
  const Node* f = tree.rootfs.find("f");
  REQUIRE(f != nullptr);
  CHECK(f->layer == 3);
  for (int i = 0; i < 4; ++i) {
    const Node* only = tree.rootfs.find("only" + std::to_string(i));
    REQUIRE(only != nullptr);
    CHECK(only->layer == i);
    CHECK(only->size == 1000U * static_cast<unsigned>(i + 1));
  }
}

TEST_CASE(
    "build_tree: of two corrupt layers, the error names the lower one, whichever failed first") {
  GatedImage g = four_layers();
  g.bundle->corrupt = {"layer 1", "layer 2"};
  // Layer 2 is read to its end (and fails) before layer 1 gives its first byte.
  g.bundle->gates["layer 1"] = "end layer 2";
  try {
    build_tree(*g.bundle, g.image, {});
    FAIL("a corrupt layer was read");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kBadInput);
    const std::string what = e.what();
    CHECK_MESSAGE(what.find("layer 1 (") != std::string::npos, what);
    CHECK_MESSAGE(what.find("digest mismatch") != std::string::npos, what);
  }
}
