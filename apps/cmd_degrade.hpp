// `diffbridge degrade` and `diffbridge compare` (docs/default-model.md):
//   diffbridge degrade --kind default|noise|blur --seed S --input CLEAN --output DEGRADED
//   diffbridge compare --reference CLEAN --image A [--image B ...] [--side-by-side OUT.png]
// degrade writes the degradation of data/degradation.hpp (PNG/JPEG quantised, or .npy float32
// (1, 3, H, W) unquantised). compare prints one line per image, "FILE psnr=P ssim=S", and can
// write [reference | A | B ...] side by side. Errors: one line, exit 2, no partial output.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cli_args.hpp"
#include "cmd_restore.hpp"
#include "diffbridge/data/degradation.hpp"
#include "diffbridge/data/metrics.hpp"
#include "diffbridge/io/image.hpp"
#include "diffbridge/io/npy.hpp"

namespace diffbridge::cli {

inline int cmd_degrade(int argc, char** argv) {
  using namespace restore_detail;
  const args a(argc, argv, 2, {"--kind", "--seed", "--input", "--output"}, {});
  const data::degradation kind = data::parse_degradation(a.one_or("--kind", "default"));
  const std::uint64_t seed = to_seed(a.one("--seed"));
  const fs::path input = a.one("--input"), output = a.one("--output");
  check_output_name(output);
  const planar in = read_input(input);
  check_output_size(output, in.s.w, in.s.h);
  const std::vector<double> d = data::degrade(in.v, 3, in.s.h, in.s.w, kind, seed);
  std::vector<float> v(d.begin(), d.end());
  if (is_npy(output)) {
    const std::vector<std::size_t> sh{1, 3, in.s.h, in.s.w};
    io::write_npy(output, sh, v);
  } else {
    io::write_image(output, io::image{3, in.s.h, in.s.w, std::move(v)});
  }
  return 0;
}

inline int cmd_compare(int argc, char** argv) {
  using namespace restore_detail;
  const args a(argc, argv, 2, {"--reference", "--image", "--side-by-side"}, {});
  const planar ref = read_input(a.one("--reference"));
  const auto& names = a.all("--image");
  if (names.empty()) throw invalid_parameter("--image is required (one or more)");
  std::string sbs;
  if (a.has("--side-by-side")) {
    sbs = a.one("--side-by-side");
    check_output_name(sbs);
    if (is_npy(sbs)) throw invalid_parameter("--side-by-side must be a PNG or JPEG name");
  }
  const std::size_t H = ref.s.h, W = ref.s.w;
  std::vector<planar> imgs;
  for (const auto& n : names) {
    imgs.push_back(read_input(n));
    if (imgs.back().s.h != H || imgs.back().s.w != W)
      throw invalid_input(diffbridge::detail::concat(n, ": size ", imgs.back().s.w, "x",
                                                     imgs.back().s.h,
                                                     " differs from the reference's ", W, "x", H));
  }
  if (!sbs.empty()) {
    const std::size_t n = imgs.size() + 1;
    check_output_size(sbs, n * W + (n - 1) * 4, H);
  }
  std::string report;
  for (std::size_t k = 0; k < imgs.size(); ++k) {
    char line[64];
    std::snprintf(line, sizeof line, " psnr=%.2f ssim=%.4f\n",
                  data::psnr(ref.v, imgs[k].v, 3, H, W), data::ssim(ref.v, imgs[k].v, 3, H, W));
    report += names[k] + line;
  }
  if (!sbs.empty()) {  // reference, then each image, 4 white pixels apart
    const std::size_t gap = 4, n = imgs.size() + 1, WW = n * W + (n - 1) * gap;
    io::image m{3, H, WW, std::vector<float>(3 * H * WW, 1.0f)};
    for (std::size_t k = 0; k < n; ++k) {
      const planar& p = k == 0 ? ref : imgs[k - 1];
      for (std::size_t c = 0; c < 3; ++c)
        for (std::size_t y = 0; y < H; ++y)
          for (std::size_t x = 0; x < W; ++x)
            m.data[(c * H + y) * WW + k * (W + gap) + x] = p.v[(c * H + y) * W + x];
    }
    io::write_image(sbs, m);
  }
  std::fputs(report.c_str(), stdout);
  return 0;
}

}  // namespace diffbridge::cli
