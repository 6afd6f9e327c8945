#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <string>

#include "../support.hpp"
#include "../test_images.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/util/error.hpp"

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

  const std::uint64_t begin = tree.content.begin();
  tree.content.append(bytes_of("written"));
  TarEntry e;
  e.path = "etc/written";
  e.type = EntryType::kFile;
  e.size = 7;
  TarEntry h = e;
  h.path = "bin/tool";
  h.size = 10;
  tree.rootfs.apply_layer(
      1,
      {{e, StoredBytes{tree.content.finish(begin)}, {}, {}}, {h, HostBytes{"/opt/tool"}, {}, {}}},
      "pare's files");
  CHECK(text(tree.read(*tree.rootfs.find("etc/written"))) == "written");

  // No reader: a host file cannot be read, and fs does not try the host itself.
  CHECK_THROWS_AS(tree.read(*tree.rootfs.find("bin/tool")), Error);
  const auto reader = std::make_shared<OneHostFile>();
  tree.host_files = reader;
  CHECK(text(tree.read(*tree.rootfs.find("bin/tool"))) == "host bytes");
  CHECK(reader->opened == "/opt/tool");
}
