#include "pare/fs/listing.hpp"

#include <doctest/doctest.h>

#include <string>

#include "../support.hpp"
#include "pare/util/error.hpp"

using namespace pare;

TEST_CASE("listing: mode strings as ls -l prints them") {
  CHECK(mode_string(EntryType::kDir, 0755) == "drwxr-xr-x");
  CHECK(mode_string(EntryType::kFile, 04755) == "-rwsr-xr-x");
  CHECK(mode_string(EntryType::kFile, 02644) == "-rw-r-Sr--");
  CHECK(mode_string(EntryType::kDir, 01777) == "drwxrwxrwt");
  CHECK(mode_string(EntryType::kSymlink, 0777) == "lrwxrwxrwx");
}

TEST_CASE("listing: the merged tree, or the subtree at a path, the path itself first") {
  const auto bundle = open_bundle(testdata("churn-oci-gzip.tar"));
  const std::vector<ListedPath> all = list_image(*bundle, {});
  REQUIRE_FALSE(all.empty());
  const std::string text = listing_text(all);
  CHECK(text.find("-rwsr-xr-x 0:0 13 L0 /bin/su-like\n") != std::string::npos);
  CHECK(text.find("-rw-r--r-- 0:0 10000 L2 /data/big-link link to /data/big\n") !=
        std::string::npos);
  CHECK(text.find("lrwxrwxrwx 0:0 0 L0 /lib -> usr/lib\n") != std::string::npos);
  CHECK(text.find("-rw-r--r-- 1000:1000 14 L0 /home/user-file\n") != std::string::npos);
  ListRequest bin;
  bin.path = "/bin";
  const std::vector<ListedPath> sub = list_image(*bundle, bin);
  REQUIRE_FALSE(sub.empty());
  CHECK(sub.front().path == "/bin");
  CHECK(sub.front().type == EntryType::kDir);
  for (const auto& p : sub) CHECK(p.path.starts_with("/bin"));
  CHECK(listing_text(sub).find(" /bin/hello\n") != std::string::npos);
  CHECK(listing_json(sub)[0]["path"] == "/bin");
  ListRequest missing;
  missing.path = "/no/such";
  try {
    list_image(*bundle, missing);
    FAIL("a missing path was listed");
  } catch (const Error& e) {
    CHECK(e.code() == ExitCode::kBadInput);
    CHECK(std::string(e.what()).find("/no/such") != std::string::npos);
  }
}
