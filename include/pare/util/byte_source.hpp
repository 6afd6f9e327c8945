#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace pare {

/// A forward-only stream of bytes: the one seam between pare's parts and the bytes they read.
/// Implementations throw pare::Error on a read failure; a return of 0 means end of stream.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  /// Reads up to buf.size() bytes; returns how many, 0 only at the end.
  virtual std::size_t read(std::span<std::byte> buf) = 0;
  /// What the bytes are, for error messages (a file name, "layer 2 of img.tar", ...).
  virtual std::string name() const = 0;
  /// Moves past the next `count` bytes (fewer at the end); returns how many there were. This
  /// default reads and discards them, which is what a stream that hashes or inflates must do;
  /// a file or memory range seeks instead.
  virtual std::uint64_t skip(std::uint64_t count);
};

/// Bytes held in memory.
class MemorySource : public ByteSource {
 public:
  MemorySource(std::vector<std::byte> bytes, std::string name)
      : bytes_(std::move(bytes)), name_(std::move(name)) {}
  std::size_t read(std::span<std::byte> buf) override;
  std::string name() const override { return name_; }
  std::uint64_t skip(std::uint64_t count) override;

 private:
  std::vector<std::byte> bytes_;
  std::size_t pos_ = 0;
  std::string name_;
};

/// Another stream under a name of its own, so every error of what reads it names that
/// ("img.tar: layer 2 (sha256:ab..)"), not whatever opened the bytes.
class NamedSource : public ByteSource {
 public:
  NamedSource(std::unique_ptr<ByteSource> inner, std::string name)
      : inner_(std::move(inner)), name_(std::move(name)) {}
  std::size_t read(std::span<std::byte> buf) override { return inner_->read(buf); }
  std::string name() const override { return name_; }
  std::uint64_t skip(std::uint64_t count) override { return inner_->skip(count); }

 private:
  std::unique_ptr<ByteSource> inner_;
  std::string name_;
};

/// Fails with "<name>: more than N bytes" once more than `limit` bytes were read from `inner`:
/// the guard against decompression bombs.
class LimitedSource : public ByteSource {
 public:
  /// `flag`, when given, is named in the error: the option that raises the limit.
  LimitedSource(ByteSource& inner, std::uint64_t limit, std::string what, std::string flag = {})
      : inner_(inner), limit_(limit), what_(std::move(what)), flag_(std::move(flag)) {}
  std::size_t read(std::span<std::byte> buf) override;
  std::string name() const override { return inner_.name(); }
  std::uint64_t count() const { return count_; }

 private:
  ByteSource& inner_;
  std::uint64_t limit_;
  std::uint64_t count_ = 0;
  std::string what_;
  std::string flag_;
};

/// Reads the whole stream; throws bad input when it holds more than `limit` bytes.
std::vector<std::byte> read_all(ByteSource& source, std::uint64_t limit);

/// Reads and discards the rest of the stream; returns how many bytes that was.
std::uint64_t drain(ByteSource& source);

/// The bytes as a string (for JSON and text files).
std::string to_string(std::span<const std::byte> bytes);

}  // namespace pare
