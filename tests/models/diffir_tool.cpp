// Helper of tests/models/cli_restore_test.sh (not a test itself):
//   diffir_tool weights CASE OUT.safetensors     the fixture's weights (hash_weights.hpp)
//   diffir_tool config CASE OUT.json             the fixture's config
//   diffir_tool export CASE TENSOR OUT.npy       a fixture tensor (input, mask, z, output)
//   diffir_tool compare A.npy B.npy TOL          exit 0 iff same shape and max |a − b| ≤ TOL
//   diffir_tool image OUT.png|jpg W H C [nan]    a test image (C = 1, 3) or with alpha (C = 4)
#include <cmath>
#include <cstdio>
#include <fstream>
#include <stb/stb_image_write.h>
#include <string>

#include "diffbridge/io/image.hpp"
#include "diffbridge/io/npy.hpp"
#include "hash_weights.hpp"

namespace {
const std::string dir = std::string(DIFFBRIDGE_GOLDEN_DIR) + "/diffir/";
}

int main(int argc, char** argv) {
  using namespace diffbridge;
  try {
    const std::string cmd = argc > 1 ? argv[1] : "";
    if (cmd == "weights" && argc == 4) {
      io::write_safetensors(argv[3], hashw::weights_of(hashw::manifest(dir + argv[2] + ".json")));
    } else if (cmd == "config" && argc == 4) {
      std::ofstream(argv[3]) << hashw::manifest(dir + argv[2] + ".json")["config"].dump() << "\n";
    } else if (cmd == "export" && argc == 5) {
      const io::safetensors_file f(dir + argv[2] + ".safetensors");
      const auto info = f.info(argv[3]);
      io::write_npy(argv[4], info.shape, f.to_float(argv[3]));
    } else if (cmd == "compare" && argc == 5) {
      const auto a = io::read_npy_float(argv[2]), b = io::read_npy_float(argv[3]);
      if (a.shape != b.shape) return std::fprintf(stderr, "shapes differ\n"), 1;
      double m = 0;
      for (std::size_t i = 0; i < a.data.size(); ++i) m = std::max(m, std::fabs(double(a.data[i]) - b.data[i]));
      std::printf("max_abs=%.3g\n", m);
      return m <= std::stod(argv[4]) ? 0 : 1;
    } else if (cmd == "image" && argc >= 6) {
      const int w = std::stoi(argv[3]), h = std::stoi(argv[4]), c = std::stoi(argv[5]);
      std::vector<unsigned char> px(std::size_t(w * h * c));
      for (std::size_t i = 0; i < px.size(); ++i) px[i] = static_cast<unsigned char>((i * 37) % 256);
      if (c == 4)
        for (std::size_t i = 3; i < px.size(); i += 4) px[i] = 128;  // transparent
      const std::string out = argv[2];
      const bool png = out.size() > 4 && out.substr(out.size() - 4) == ".png";
      const int ok = png ? stbi_write_png(out.c_str(), w, h, c, px.data(), w * c)
                         : stbi_write_jpg(out.c_str(), w, h, c, px.data(), 95);
      return ok ? 0 : 1;
    } else {
      std::fprintf(stderr, "usage: see the header of diffir_tool.cpp\n");
      return 2;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "diffir_tool: %s\n", e.what());
    return 2;
  }
  return 0;
}
