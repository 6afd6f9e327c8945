#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pare {

/// Normalizes a path inside a root, lexically and without touching any filesystem: leading
/// '/' and "./" dropped, "." and empty components removed, ".." applied. The result has no
/// leading or trailing '/' ("" is the root). nullopt when a ".." would climb above the root.
std::optional<std::string> normalize_path(std::string_view path);

/// Like normalize_path, but a ".." at the root stays at the root, as the kernel treats ".."
/// in "/" and as a symlink target inside a chroot resolves.
std::string clamp_path(std::string_view path);

/// The '/'-separated components of a path, empty and "." ones dropped (".." kept).
std::vector<std::string_view> split_path(std::string_view path);

/// The folder part of a normalized path ("a/b" -> "a", "a" -> "").
std::string parent_path(std::string_view normalized);

/// The last component of a normalized path ("a/b" -> "b", "a" -> "a").
std::string base_name(std::string_view normalized);

/// Joins a normalized folder and a relative path ("" + "x" -> "x", "a" + "x" -> "a/x").
std::string join_path(std::string_view dir, std::string_view rest);

}  // namespace pare
