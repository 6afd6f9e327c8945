#include "pare/fs/users.hpp"

#include <doctest/doctest.h>

#include <string>

#include "pare/rules/user.hpp"

using namespace pare;

namespace {

const std::string kPasswd =
    "# comment\n"
    "root:x:0:0:root:/root:/bin/sh\n"
    "short:x:5\n"
    "app:x:1000:1000::/home/app:/sbin/nologin\n"
    "svc:x:900:oops::/:/bin/false\n";
const std::string kGroup =
    "root:x:0:\n"
    "app:x:1000:\n"
    "audio:x:29:app,other\n"
    "video:x:44:other\n";

}  // namespace

TEST_CASE("users: passwd and group records, comments and short lines skipped") {
  const auto users = parse_passwd(kPasswd);
  REQUIRE(users.size() == 3);
  CHECK(users[1].name == "app");
  CHECK(users[1].uid == 1000U);
  CHECK(users[1].home == "/home/app");
  CHECK(users[1].line == "app:x:1000:1000::/home/app:/sbin/nologin");
  CHECK_FALSE(users[2].gid.has_value());
  const auto groups = parse_group(kGroup);
  REQUIRE(groups.size() == 4);
  CHECK(groups[2].members == std::vector<std::string>{"app", "other"});
  CHECK(groups[0].members.empty());
}

TEST_CASE("users: ids are decimal and fit 32 bits") {
  CHECK(parse_id("0") == 0U);
  CHECK(parse_id("4294967295") == 4294967295U);
  CHECK_FALSE(parse_id("4294967296").has_value());
  CHECK_FALSE(parse_id("12a").has_value());
  CHECK_FALSE(parse_id("").has_value());
}

TEST_CASE("users: a User resolves as runc resolves it") {
  SUBCASE("by name: uid, gid, home and the groups that list it") {
    const UserLookup l = look_up_user("app", kPasswd, kGroup);
    CHECK(l.error == UserError::kNone);
    CHECK(l.identity.uid == 1000U);
    CHECK(l.identity.gid == 1000U);
    CHECK(l.identity.home == "/home/app");
    CHECK(l.identity.groups == std::vector<std::uint32_t>{29});
  }
  SUBCASE("a number needs no record; a record of that uid still gives its home") {
    const UserLookup none = look_up_user("4242:7", kPasswd, kGroup);
    CHECK(none.error == UserError::kNone);
    CHECK(none.identity.uid == 4242U);
    CHECK(none.identity.gid == 7U);
    CHECK(none.identity.home == "/");
    CHECK(look_up_user("1000", kPasswd, kGroup).identity.home == "/home/app");
    CHECK(look_up_user("", std::nullopt, std::nullopt).error == UserError::kNone);
  }
  SUBCASE("a group by name") {
    CHECK(look_up_user("app:video", kPasswd, kGroup).identity.gid == 44U);
    const UserLookup l = look_up_user("app:wheel", kPasswd, kGroup);
    CHECK(l.error == UserError::kUnknownGroup);
    CHECK(l.missing == "wheel");
    CHECK(look_up_user("0:wheel", kPasswd, std::nullopt).error == UserError::kNoGroupFile);
  }
  SUBCASE("a name the files lack") {
    CHECK(look_up_user("nobody", kPasswd, kGroup).error == UserError::kUnknownUser);
    CHECK(look_up_user("nobody", std::nullopt, kGroup).error == UserError::kNoPasswdFile);
    // A record whose gid is not a number names no usable user.
    CHECK(look_up_user("svc", kPasswd, kGroup).error == UserError::kUnknownUser);
  }
}

TEST_CASE("users: the user rule words each way a User can fail") {
  CHECK(user_problem("app", kPasswd, kGroup).empty());
  CHECK(user_problem("nobody", kPasswd, kGroup) == "names the user nobody, whom /etc/passwd lacks");
  CHECK(user_problem("nobody", std::nullopt, kGroup) ==
        "names the user nobody, but the image has no /etc/passwd");
  CHECK(user_problem("app:wheel", kPasswd, kGroup) ==
        "names the group wheel, which /etc/group lacks");
  CHECK(user_problem("1000:wheel", kPasswd, std::nullopt) ==
        "names the group wheel, but the image has no /etc/group");
}
