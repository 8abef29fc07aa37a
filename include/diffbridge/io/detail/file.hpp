// POSIX file helpers for the readers and writers: an RAII read-only mapping
// (falling back to reading into memory) and an atomic "write a unique temporary
// in the same directory, then rename" writer.
#pragma once

#include <diffbridge/core/error.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <utility>

namespace diffbridge::io::detail {

inline std::string errno_text(int e) { return std::strerror(e); }

/// Closes a POSIX descriptor on scope exit.
class fd_guard {
 public:
  explicit fd_guard(int fd) noexcept : fd_(fd) {}
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }
  int release() noexcept { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

/// Reads exactly `n` bytes at the current position; false on EOF or error.
inline bool read_fully(int fd, unsigned char* dst, std::size_t n) {
  while (n > 0) {
    const ::ssize_t r = ::read(fd, dst, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    dst += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

/// Writes exactly `n` bytes; false on error.
inline bool write_fully(int fd, const unsigned char* src, std::size_t n) {
  while (n > 0) {
    const ::ssize_t w = ::write(fd, src, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    src += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

/// A whole file as read-only bytes: mmap'ed, or read into memory when mapping
/// fails (or when `try_map` is false).
class mapped_file {
 public:
  explicit mapped_file(const std::filesystem::path& path, bool try_map = true) {
    const std::string name = path.string();
    fd_guard fd(::open(name.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) throw invalid_input(name + ": cannot open: " + errno_text(errno));
    struct ::stat st {};
    if (::fstat(fd.get(), &st) != 0)
      throw invalid_input(name + ": cannot stat: " + errno_text(errno));
    if (!S_ISREG(st.st_mode)) throw invalid_input(name + ": not a regular file");
    size_ = static_cast<std::size_t>(st.st_size);
    if (size_ == 0) return;
    if (try_map) {
      void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd.get(), 0);
      if (p != MAP_FAILED) {
        map_ = p;
        data_ = static_cast<const unsigned char*>(p);
        return;
      }
    }
    buf_ = std::make_unique<unsigned char[]>(size_);
    if (!read_fully(fd.get(), buf_.get(), size_)) {
      throw invalid_input(name + ": cannot read " + std::to_string(size_) + " bytes");
    }
    data_ = buf_.get();
  }
  mapped_file(const mapped_file&) = delete;
  mapped_file& operator=(const mapped_file&) = delete;
  mapped_file(mapped_file&& o) noexcept
      : map_(std::exchange(o.map_, nullptr)),
        buf_(std::move(o.buf_)),
        data_(std::exchange(o.data_, nullptr)),
        size_(std::exchange(o.size_, 0)) {}
  mapped_file& operator=(mapped_file&& o) noexcept {
    if (this != &o) {
      unmap();
      map_ = std::exchange(o.map_, nullptr);
      buf_ = std::move(o.buf_);
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  ~mapped_file() { unmap(); }

  std::span<const unsigned char> bytes() const noexcept { return {data_, size_}; }
  std::size_t size() const noexcept { return size_; }
  bool is_mapped() const noexcept { return map_ != nullptr; }

 private:
  void unmap() noexcept {
    if (map_) ::munmap(map_, size_);
    map_ = nullptr;
  }
  void* map_ = nullptr;
  std::unique_ptr<unsigned char[]> buf_;
  const unsigned char* data_ = nullptr;
  std::size_t size_ = 0;
};

/// Writes a new temporary PATH.tmp.PID.N in PATH's directory (created with O_EXCL, so no
/// existing file is ever clobbered, and unique to this writer, so concurrent writers do not
/// race) and renames it over PATH on commit(); if destroyed uncommitted, the temporary is
/// removed and PATH is left untouched.
class atomic_writer {
 public:
  explicit atomic_writer(const std::filesystem::path& path) : path_(path), fd_(-1) {
    static std::atomic<unsigned long> counter{0};
    const std::string base = path.string() + ".tmp." + std::to_string(::getpid()) + ".";
    for (int attempt = 0; attempt < 100; ++attempt) {
      tmp_ = base + std::to_string(counter.fetch_add(1, std::memory_order_relaxed));
      fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
      if (fd_ >= 0 || errno != EEXIST) break;
    }
    if (fd_ < 0) {
      const int e = errno;
      const std::string tmp = std::exchange(tmp_, std::string());  // nothing to remove
      throw invalid_input(path_.string() + ": cannot write (creating the temporary " + tmp + "): " +
                          errno_text(e));
    }
  }
  atomic_writer(const atomic_writer&) = delete;
  atomic_writer& operator=(const atomic_writer&) = delete;
  ~atomic_writer() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_ && !tmp_.empty()) ::unlink(tmp_.c_str());
  }

  void write(const void* data, std::size_t n) {
    if (!write_fully(fd_, static_cast<const unsigned char*>(data), n)) fail(errno, "write failed");
  }

  /// Flushes to disk and atomically replaces PATH.
  void commit() {
    if (::fsync(fd_) != 0) fail(errno, "fsync failed");
    const int fd = std::exchange(fd_, -1);
    if (::close(fd) != 0) fail(errno, "close failed");
    if (std::rename(tmp_.c_str(), path_.string().c_str()) != 0)
      fail(errno, "cannot rename the temporary into place");
    committed_ = true;
  }

 private:
  [[noreturn]] void fail(int e, const char* what) const {
    throw invalid_input(path_.string() + ": " + what + " (" + tmp_ + "): " + errno_text(e));
  }

  std::filesystem::path path_;
  std::string tmp_;
  int fd_;
  bool committed_ = false;
};

}  // namespace diffbridge::io::detail
