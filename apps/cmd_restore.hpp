// `diffbridge restore`: a DiffIR Stage-2 network on an image (docs/diffir.md).
//   diffbridge restore --model default --input IN --output OUT [--backend ...] [--threads N]
//     the default model (docs/default-model.md): the deblur network of models/default, found in
//     $DIFFBRIDGE_DEFAULT_MODEL, else <prefix>/share/diffbridge/models/default beside the
//     installed tool, else the source tree it was built from
//   diffbridge restore --model deblur|sr1|sr2|sr4|inpaint --weights W.safetensors --input IN
//                      --output OUT [--mask M] [--config C.json]
//                      [--backend eigen|xtensor|thrust|cuda]
//                      [--threads N] [--seed S] [--ipr-noise Z.npy] [--timing]
// IN / OUT / M: PNG or JPEG, or .npy float32 (1, C, H, W) in the network's range ([0, 1] in; the
// raw output out, neither clamped nor rounded). Every input is read and checked, and the weights
// loaded, before the network runs; the output is written atomically at the end, so an error
// leaves no output file. Errors are thrown (one line, printed by main, exit code 2).
#pragma once

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include "cli_args.hpp"
#include "diffbridge/core/philox.hpp"
#include "diffbridge/io/image.hpp"
#include "diffbridge/io/npy.hpp"
#include "diffbridge/io/safetensors.hpp"
#include "diffbridge/models/diffir/pipeline.hpp"

#if __has_include(<Eigen/Core>)
#include "diffbridge/backend/eigen.hpp"
#include "diffbridge/nn/gemm_eigen.hpp"
#define DIFFBRIDGE_CLI_EIGEN 1
#endif
#if __has_include(<xtensor/xtensor.hpp>)
#include "diffbridge/backend/xtensor.hpp"
#include "diffbridge/nn/gemm_xtensor.hpp"
#define DIFFBRIDGE_CLI_XTENSOR 1
#endif
#if defined(DIFFBRIDGE_HAVE_THRUST) && defined(DIFFBRIDGE_CLI_EIGEN)
// --backend thrust: the device paths (nn/device/) on the build's C++ device system (OMP / CPP)
#include "diffbridge/backend/thrust.hpp"
#include "diffbridge/nn/device/gemm_thrust.hpp"
#define DIFFBRIDGE_CLI_THRUST 1
#endif
#if defined(DIFFBRIDGE_CLI_CUDA)
#include "restore_cuda.hpp"  // --backend cuda: compiled by nvcc in its own translation unit
#endif
#if defined(_OPENMP)
#include <omp.h>
#endif

namespace diffbridge::cli {

namespace restore_detail {

namespace fs = std::filesystem;
namespace dfr = models::diffir;

/// A host tensor (1, C, H, W).
struct planar {
  shape s;
  std::vector<float> v;
};

inline bool is_npy(const fs::path& p) {
  std::string e = p.extension().string();
  for (auto& c : e) c = char(std::tolower(static_cast<unsigned char>(c)));
  return e == ".npy";
}

/// The output kind is checked before anything runs.
inline void check_output_name(const fs::path& p) {
  if (!is_npy(p)) (void)io::format_from_name(p);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  if (!fs::is_directory(dir)) throw invalid_input(p.string() + ": the output directory does not exist");
}

/// PNG / JPEG sides are at most 65535 pixels: an output that would be larger is refused before
/// any work (a .npy output has no such limit).
inline void check_output_size(const fs::path& p, std::size_t w, std::size_t h) {
  if (!is_npy(p) && (w > 65535 || h > 65535))
    throw invalid_input(diffbridge::detail::concat(
        p.string(), ": the output would be ", w, "x", h,
        " pixels; PNG and JPEG sides are at most 65535 (write a .npy instead)"));
}

/// The host memory a pass needs, estimated from the activations: 32 floats per body pixel and
/// unit of `dim`, plus 8 per input and output pixel. Measured peaks are below it: the deblur
/// network (dim 48) at 1024², 15–16 floats (docs/performance.md, Eigen and Thrust-OMP pools);
/// the default model (dim 16) at 1024², peak RSS 0.87 GB (eigen) and 1.51 GB (thrust) where
/// this counts 2.18 GB.
/// An image whose estimate exceeds the machine's physical memory is refused before the weights
/// load: the allocations would otherwise succeed (overcommit) and the kernel kill the process.
/// (--backend cuda allocates on the device, whose allocator fails with an error instead.)
inline void require_memory(const dfr::config& c, dfr::variant v, const shape& in,
                           const std::string& backend) {
  if (backend == "cuda") return;
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return;  // unknown: nothing to compare with
  const double m = double(dfr::pad_multiple(v)), u = double(dfr::g_unshuffle(v));
  const double ph = std::ceil(double(in.h) / m) * m, pw = std::ceil(double(in.w) / m) * m;
  const double s = double(dfr::out_scale(v));
  const double floats = 32.0 * double(c.dim) * (ph / u) * (pw / u) + 8.0 * ph * pw * (1 + s * s);
  const double need = 4.0 * floats, have = double(pages) * double(page);
  if (need > have)
    throw invalid_input(diffbridge::detail::concat(
        "a ", in.w, "x", in.h, " image needs about ", std::ceil(need / 1e9),
        " GB for this network (dim ", c.dim, "), more than this machine's ", std::floor(have / 1e9),
        " GB; restore it in tiles"));
}

/// A float32 .npy of shape (1, C, H, W) with the given C and values in [0, 1] (the range of the
/// network's image input and of a mask, as PNG / JPEG are read).
inline planar read_npy_nchw(const fs::path& p, std::size_t channels, const char* what) {
  io::npy_array a = io::read_npy_float(p, true);
  const io::nchw_dims d = io::require_nchw(a, p);
  if (d.c != channels || d.h == 0 || d.w == 0)
    throw invalid_input(diffbridge::detail::concat(p.string(), ": ", what, " must be (1, ", channels, ", H, W), got (1, ",
                                                   d.c, ", ", d.h, ", ", d.w, ")"));
  for (std::size_t i = 0; i < a.data.size(); ++i)
    if (!(a.data[i] >= 0.0f && a.data[i] <= 1.0f))
      throw invalid_input(diffbridge::detail::concat(p.string(), ": ", what, " holds ", a.data[i],
                                                     " at element ", i, ", outside [0, 1]"));
  return {shape{1, d.c, d.h, d.w}, std::move(a.data)};
}

inline planar read_input(const fs::path& p) {
  if (is_npy(p)) return read_npy_nchw(p, 3, "the input");
  io::image im = io::read_image(p);
  return {shape{1, 3, im.height, im.width}, std::move(im.data)};
}

inline planar read_mask(const fs::path& p, const shape& img) {
  planar m;
  if (is_npy(p)) {
    m = read_npy_nchw(p, 1, "the mask");
  } else {
    io::image im = io::read_mask(p);
    m = {shape{1, 1, im.height, im.width}, std::move(im.data)};
  }
  if (m.s.h != img.h || m.s.w != img.w)
    throw invalid_input(diffbridge::detail::concat(p.string(), ": mask size ", m.s.w, "x", m.s.h,
                                                   " does not match the image size ", img.w, "x", img.h));
  return m;
}

/// z_T: from a .npy of 256 finite values ((1, 256) or (256)), or Philox normals (seed, step 0).
inline std::vector<float> ipr_noise(const std::string& path, std::uint64_t seed) {
  std::vector<float> z(dfr::ipr_width);
  if (!path.empty()) {
    io::npy_array a = io::read_npy_float(path, true);
    const bool ok = (a.shape == std::vector<std::size_t>{1, dfr::ipr_width}) ||
                    (a.shape == std::vector<std::size_t>{dfr::ipr_width});
    if (!ok) throw invalid_input(path + ": the IPR noise must have shape (1, 256)");
    // standard normal draws: |z| beyond 100 is no such draw, and 1e30 overflows the network
    for (std::size_t i = 0; i < a.data.size(); ++i)
      if (!(std::abs(a.data[i]) <= 100.0f))
        throw invalid_input(diffbridge::detail::concat(path, ": the IPR noise holds ", a.data[i],
                                                       " at index ", i,
                                                       "; N(0, 1) draws are within [-100, 100]"));
    return a.data;
  }
  const philox_normals rng{seed, 0};
  for (std::size_t i = 0; i < z.size(); ++i) z[i] = rng(i);
  return z;
}

inline std::uint64_t to_seed(const std::string& s) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) throw invalid_parameter("--seed = '" + s + "': not an unsigned integer");
  return v;
}

inline dfr::config read_config(dfr::variant v, const std::string& path) {
  dfr::config c = dfr::default_config(v);
  if (path.empty()) return c;
  if (fs::is_directory(path)) throw invalid_input(path + ": is a directory, not a JSON config");
  std::ifstream in(path);
  if (!in) throw invalid_input(path + ": cannot open");
  nlohmann::json j;
  std::vector<std::vector<std::string>> keys;  // of each open object: a repeated key is an error
  const auto no_duplicates = [&](int, nlohmann::json::parse_event_t ev, nlohmann::json& k) {
    using ev_t = nlohmann::json::parse_event_t;
    if (ev == ev_t::object_start) keys.emplace_back();
    if (ev == ev_t::object_end && !keys.empty()) keys.pop_back();
    if (ev == ev_t::key && !keys.empty()) {
      const std::string name = k.get<std::string>();
      for (const auto& seen : keys.back())
        if (seen == name) throw invalid_input(path + ": the key \"" + name + "\" appears twice");
      keys.back().push_back(name);
    }
    return true;
  };
  try {
    j = nlohmann::json::parse(in, no_duplicates);
  } catch (const nlohmann::json::exception& e) {
    throw invalid_input(path + ": not valid JSON (" + std::string(e.what()) + ")");
  }
  dfr::apply_json(c, j, v);
  return c;
}

/// The directory of the default model (see the header comment); invalid_input if none is found.
inline fs::path default_model_dir() {
  std::vector<fs::path> tried;
  if (const char* e = std::getenv("DIFFBRIDGE_DEFAULT_MODEL"); e && *e) {
    tried.emplace_back(e);  // set explicitly: the only place looked at
  } else {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) tried.push_back(exe.parent_path().parent_path() / "share" / "diffbridge" / "models" / "default");
#if defined(DIFFBRIDGE_SOURCE_DEFAULT_MODEL)
    tried.emplace_back(DIFFBRIDGE_SOURCE_DEFAULT_MODEL);
#endif
  }
  for (const auto& d : tried)
    if (fs::is_regular_file(d / "diffir_s2.safetensors") && fs::is_regular_file(d / "config.json")) return d;
  std::string where;
  for (const auto& d : tried) where += (where.empty() ? "" : ", ") + d.string();
  throw invalid_input("--model default: the default model (diffir_s2.safetensors, config.json) is in none of: " +
                      (where.empty() ? std::string("(no candidate)") : where) + "; set DIFFBRIDGE_DEFAULT_MODEL");
}

struct run_result {
  planar out;
  double network_seconds = 0;
};

template <class B>
run_result run(const io::safetensors_file& f, dfr::variant v, const dfr::config& c, const planar& in,
               const planar* mask, const std::vector<float>& z, bool progress) {
  const dfr::stage2<B> net(f, v, c);
  if (progress) std::fprintf(stderr, "restore: weights loaded (%zu tensors), running %s on %zux%zu\n", f.size(), dfr::name(v), in.s.w, in.s.h);
  auto dev = [](const planar& p) {
    auto t = B::template empty<float>(p.s);
    B::copy_from_host(std::span<const float>(p.v), B::as_view(t));
    return t;
  };
  const auto x = dev(in);
  const auto zt = dev(planar{shape{1, dfr::ipr_width, 1, 1}, z});
  typename B::template tensor<float> m;
  if (mask) m = dev(*mask);
  const std::size_t s = dfr::out_scale(v);
  run_result r;
  r.out.s = shape{1, 3, in.s.h * s, in.s.w * s};
  auto out = B::template empty<float>(r.out.s);
  nn::workspace<B> ws;
  const auto t0 = std::chrono::steady_clock::now();
  auto t_last = t0;
  dfr::trace_fn tr;
  if (progress) {
    tr = [&](std::string_view stage, nn::cview) {
      const auto now = std::chrono::steady_clock::now();
      std::fprintf(stderr, "restore: %.*s done (%.1f s)\n", int(stage.size()), stage.data(),
                   std::chrono::duration<double>(now - t0).count());
      t_last = now;
    };
  }
  auto nv = [](auto v) { return tensor_view<typename decltype(v)::element_type>{v.raw(), v.dims}; };  // nn views
  net.restore(ws, nv(B::as_view(x)), mask ? nn::cview(nv(B::as_view(m))) : nn::cview{}, nv(B::as_view(zt)),
              nv(B::as_view(out)), tr);
  B::synchronize();
  r.network_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.out.v.resize(r.out.s.numel());
  B::copy_to_host(B::as_view(std::as_const(out)), std::span<float>(r.out.v));
  return r;
}

}  // namespace restore_detail

inline int cmd_restore(int argc, char** argv) {
  using namespace restore_detail;
  const args a(argc, argv, 2,
               {"--model", "--weights", "--input", "--output", "--mask", "--config", "--backend", "--threads", "--seed",
                "--ipr-noise"},
               {"--timing"});
  const bool default_model = a.one("--model") == "default";
  if (const std::string m = a.one("--model");
      !default_model && m != "deblur" && m != "sr1" && m != "sr2" && m != "sr4" && m != "inpaint")
    throw invalid_parameter("--model = '" + m + "': must be one of default|deblur|sr1|sr2|sr4|inpaint");
  const dfr::variant v = default_model ? dfr::variant::deblur : dfr::parse_variant(a.one("--model"));
  fs::path model_dir;
  if (default_model) {
    if (a.has("--weights") || a.has("--config"))
      throw invalid_parameter("--model default brings its own weights and config (drop --weights / --config)");
    model_dir = default_model_dir();
  }
  const std::string backend = a.one_or("--backend", "eigen");
  if (backend != "eigen" && backend != "xtensor" && backend != "thrust" && backend != "cuda")
    throw invalid_parameter("--backend = '" + backend + "': must be eigen, xtensor, thrust or cuda");
#if !defined(DIFFBRIDGE_CLI_CUDA)
  if (backend == "cuda")
    throw invalid_parameter("--backend cuda: this build has no CUDA support (configure with -DDIFFBRIDGE_ENABLE_CUDA=ON)");
#endif
  const fs::path weights = default_model ? model_dir / "diffir_s2.safetensors" : fs::path(a.one("--weights"));
  const fs::path input = a.one("--input"), output = a.one("--output");
  check_output_name(output);
  if (a.has("--threads")) {
    const auto n = to_integer("--threads", a.one("--threads"), 1, 1024);
#if defined(_OPENMP)
    omp_set_num_threads(int(n));
#endif
  }
  const std::uint64_t seed = a.has("--seed") ? to_seed(a.one("--seed")) : 0;
  const dfr::config cfg =
      read_config(v, default_model ? (model_dir / "config.json").string() : a.one_or("--config", ""));

  const planar in = read_input(input);
  if (const std::size_t lo = dfr::detail::min_side(v); in.s.h < lo || in.s.w < lo)
    throw invalid_input(diffbridge::detail::concat(input.string(), ": the image is ", in.s.w, "x",
                                                   in.s.h, "; this model needs at least ", lo, "x",
                                                   lo));
  check_output_size(output, in.s.w * dfr::out_scale(v), in.s.h * dfr::out_scale(v));
  require_memory(cfg, v, in.s, backend);
  planar mask;
  if (v == dfr::variant::inpaint) {
    if (!a.has("--mask")) throw invalid_parameter("--mask is required for --model inpaint");
    mask = read_mask(a.one("--mask"), in.s);
  } else if (a.has("--mask")) {
    throw invalid_parameter("--mask is only taken by --model inpaint");
  }
  const std::vector<float> z = ipr_noise(a.one_or("--ipr-noise", ""), seed);
  const io::safetensors_file f(weights);
  const bool progress = in.s.h * in.s.w >= 512 * 512;
  const planar* mp = v == dfr::variant::inpaint ? &mask : nullptr;

  run_result r;
  if (backend == "eigen") {
#if defined(DIFFBRIDGE_CLI_EIGEN)
    r = run<eigen_backend>(f, v, cfg, in, mp, z, progress);
#else
    throw invalid_parameter("--backend eigen: this build has no Eigen");
#endif
  } else if (backend == "thrust") {
#if defined(DIFFBRIDGE_CLI_THRUST)
    nn::device_context<thrust_backend> ctx;
    r = run<thrust_backend>(f, v, cfg, in, mp, z, progress);
#else
    throw invalid_parameter("--backend thrust: this build has no Thrust (with Eigen)");
#endif
  } else if (backend == "cuda") {
#if defined(DIFFBRIDGE_CLI_CUDA)
    cuda_restore_result c = restore_cuda(f, v, cfg, in.s, in.v, mp ? &mp->v : nullptr, z, progress);
    r.out = planar{shape{1, 3, in.s.h * dfr::out_scale(v), in.s.w * dfr::out_scale(v)}, std::move(c.out)};
    r.network_seconds = c.network_seconds;
#endif
  } else {
#if defined(DIFFBRIDGE_CLI_XTENSOR)
    r = run<xtensor_backend>(f, v, cfg, in, mp, z, progress);
#else
    throw invalid_parameter("--backend xtensor: this build has no xtensor");
#endif
  }
  for (std::size_t i = 0; i < r.out.v.size(); ++i)
    if (!std::isfinite(r.out.v[i]))
      throw invalid_input(
          diffbridge::detail::concat("the network's output holds ", r.out.v[i], " at flat index ",
                                     i, " (weights or IPR noise out of range?); nothing written"));
  if (is_npy(output)) {
    const std::vector<std::size_t> sh{1, 3, r.out.s.h, r.out.s.w};
    io::write_npy(output, sh, r.out.v);
  } else {
    io::image im{3, r.out.s.h, r.out.s.w, std::move(r.out.v)};
    io::write_image(output, im, v == dfr::variant::inpaint ? io::quantisation::truncate : io::quantisation::round);
  }
  if (a.flag("--timing")) std::fprintf(stderr, "network_seconds=%.6f\n", r.network_seconds);
  return 0;
}

}  // namespace diffbridge::cli
