#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "pare/deps/closure.hpp"
#include "pare/fs/image_tree.hpp"
#include "pare/image/bundle.hpp"
#include "pare/image/image.hpp"
#include "pare/rules/lambda.hpp"
#include "pare/util/problem.hpp"

namespace pare {

/// What the content checks read while layers stream: the resolver's files, and /etc/passwd and
/// /etc/group whole.
Capture capture_for_content(std::string_view path, std::span<const std::byte> head);

/// What the content checks found: the program's closure, and every problem with it.
struct ContentReport {
  Closure closure;
  std::vector<Problem> problems;
};

/// The content checks of `pare verify`, when the config names a program (an image with no
/// Entrypoint and no Cmd, a base or data image, has none to check): it is in the image
/// (entrypoint-missing), a regular file with execute bits (entrypoint-not-executable), an
/// ELF of the image's architecture or a script (entrypoint-architecture, entrypoint-format),
/// and everything its loader maps is inside the image (closure). `tree` must have been built
/// with capture_for_content.
ContentReport check_content(const ImageTree& tree, const Image& image, const std::string& name);

/// The Lambda facts of an image read from `bundle`: how many images its index offers and
/// whether through a nested index, its layers' media types, config and merged tree.
LambdaFacts lambda_facts(const Bundle& bundle, const Image& image, const ImageTree& tree);

}  // namespace pare
