// The `diffbridge` command-line tool. Every error is one line on stderr and exit code 2.
#include <cstdio>
#include <exception>
#include <iostream>
#include <new>
#include <string>
#include <string_view>

#include "cli_args.hpp"
#include "cmd_bench_kernel.hpp"
#include "cmd_bench_schedules.hpp"
#include "cmd_bridge.hpp"
#include "cmd_degrade.hpp"
#include "cmd_plot.hpp"
#include "cmd_restore.hpp"
#include "cmd_sample.hpp"
#include "diffbridge/version.hpp"

namespace {

/// `s` with its control bytes (a newline in a file name or an option's value) shown as '?', so
/// that an error stays one line; UTF-8 text passes unchanged.
std::string one_line(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = '?';
  return out;
}

constexpr const char* usage =
    "usage: diffbridge <command> [options]\n"
    "  --version                 print the version\n"
    "  list                      the bridge presets, one a line\n"
    "  coeffs --bridge NAME [--set KEY=VALUE]... [--at T1,T2,...]\n"
    "                            marginal coefficients: t,c_x0,c_y,std (--at: needed for the\n"
    "                            continuous-time ddbm-ve, ddbm-vp, dbim, rectified-flow)\n"
    "  step --bridge NAME [--set ...] --from S --to T [--eta E] [--sampler euler-maruyama]\n"
    "                            one sampler update: c_xt,c_x0,c_y,c_z (no --eta: the\n"
    "                            preset's own, that of its official sampler)\n"
    "  study [--golden DIR]      every preset against the generalised bridge\n"
    "  sample --bridge NAME [--set ...] --steps N [--eta E] [--seed S] --denoiser point:FILE.npy\n"
    "         --input Y.npy --output OUT.npy [--backend std|eigen|xtensor|thrust]\n"
    "         [--pi 0|1|residual|abs_residual] [--sampler euler-maruyama]\n"
    "                            run a preset's sampler (float32 NCHW .npy, N = 1; no --eta:\n"
    "                            the preset's own)\n"
    "  bench-kernel --backend B --elements N [--threads T] [--samples S]\n"
    "                            fused-step bandwidth vs a STREAM triad, same process\n"
    "  restore --model deblur|sr1|sr2|sr4|inpaint --weights W.safetensors --input IN --output OUT\n"
    "          [--mask M] [--config C.json] [--backend eigen|xtensor|thrust|cuda] [--threads N]\n"
    "          [--seed S] [--ipr-noise Z.npy] [--timing]\n"
    "                            a DiffIR Stage-2 network on a PNG / JPEG / .npy image\n"
    "  restore --model default --input IN --output OUT [--backend B] [--threads N]\n"
    "                            the shipped default model (blur + noise; docs/default-model.md)\n"
    "  degrade --kind default|noise|blur --seed S --input CLEAN --output DEGRADED\n"
    "                            the synthetic degradations (default: disk blur r=2 + noise "
    "25/255)\n"
    "  compare --reference CLEAN --image A [--image B]... [--side-by-side OUT.png]\n"
    "                            PSNR / SSIM of each image against the reference\n"
    "  bench-schedules [--quick] --out DIR [--pixels P] [--samples S] [--seed N]\n"
    "          [--bridges B1,B2,...] [--nfe 2,3,5,...]\n"
    "                            error vs NFE of every bridge and sampler, exact oracle denoiser:\n"
    "                            DIR/<bridge>.csv (bridge,sampler,nfe,w2,mean_err,var_err), .svg\n"
    "  plot --bridge NAME [--set ...] [--pi P] --out F.svg   a(t), b(t), c(t), SNR, RNR\n"
    "  plot --all --out F.svg    every preset on one page\n"
    "  plot --trajectories --bridge NAME [--set ...] [--steps N] [--eta E] [--sampler S]\n"
    "          [--paths K] [--seed S] [--pi P] [--y Y] --out F.svg   sample paths of one pixel\n";

/// The usage lines of one command (a line "  cmd …" and the more indented lines under it), or
/// an empty string when usage names no such command.
std::string command_usage(const std::string& cmd) {
  std::string out, line;
  bool in_block = false;
  for (const char* p = usage;; ++p) {
    if (*p != '\n' && *p != '\0') {
      line += *p;
      continue;
    }
    const bool head = line.size() > 2 && line.compare(0, 2, "  ") == 0 && line[2] != ' ';
    if (head) in_block = line.compare(2, cmd.size() + 1, cmd + " ") == 0 || line.substr(2) == cmd;
    if (in_block && (head || line.compare(0, 3, "   ") == 0)) out += line + "\n";
    line.clear();
    if (*p == '\0') break;
  }
  return out;
}

int run(const std::string& cmd, int argc, char** argv) {
  {
    if (cmd == "--version" || cmd == "version") {
      diffbridge::cli::no_arguments(argc, argv, 2);
      std::printf("diffbridge %s\n", diffbridge::version);
      return 0;
    }
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      std::fputs(usage, stdout);
      return 0;
    }
    // `diffbridge CMD --help` (right after the command: later it may be an option's value)
    if (const std::string a = argc > 2 ? argv[2] : ""; a == "--help" || a == "-h") {
      if (const std::string u = command_usage(cmd); !u.empty()) {
        std::fputs(("usage: diffbridge\n" + u).c_str(), stdout);
        return 0;
      }
    }
    if (cmd == "list") return diffbridge::cli::cmd_list(argc, argv);
    if (cmd == "coeffs") return diffbridge::cli::cmd_coeffs(argc, argv);
    if (cmd == "step") return diffbridge::cli::cmd_step(argc, argv);
    if (cmd == "study") return diffbridge::cli::cmd_study(argc, argv);
    if (cmd == "restore") return diffbridge::cli::cmd_restore(argc, argv);
    if (cmd == "sample") return diffbridge::cli::cmd_sample(argc, argv);
    if (cmd == "bench-schedules") return diffbridge::cli::cmd_bench_schedules(argc, argv);
    if (cmd == "plot") return diffbridge::cli::cmd_plot(argc, argv);
    if (cmd == "bench-kernel") return diffbridge::cli::cmd_bench_kernel(argc, argv);
    if (cmd == "degrade") return diffbridge::cli::cmd_degrade(argc, argv);
    if (cmd == "compare") return diffbridge::cli::cmd_compare(argc, argv);
    std::fprintf(stderr, "diffbridge: error: unknown command '%s' (try --help)\n",
                 one_line(cmd).c_str());
    return 2;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(usage, stderr);
    return 2;
  }
  try {
    const int rc = run(argv[1], argc, argv);
    // output that never arrived (a full disk, a closed pipe) is a failure, not a success
    if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
      std::fprintf(stderr, "diffbridge: error: cannot write to standard output\n");
      return 2;
    }
    return rc;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "diffbridge: error: out of memory\n");
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "diffbridge: error: %s\n", one_line(e.what()).c_str());
    return 2;
  }
}
