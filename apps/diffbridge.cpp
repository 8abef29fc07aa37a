// The `diffbridge` command-line tool. Every error is one line on stderr and exit code 2.
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>

#include "cli_args.hpp"
#include "cmd_bridge.hpp"
#include "diffbridge/version.hpp"

namespace {

constexpr const char* usage =
    "usage: diffbridge <command> [options]\n"
    "  --version                 print the version\n"
    "  list                      the bridge presets, one a line\n"
    "  coeffs --bridge NAME [--set KEY=VALUE]... [--at T1,T2,...]\n"
    "                            marginal coefficients: t,c_x0,c_y,std\n"
    "  step --bridge NAME [--set ...] --from S --to T [--eta E] [--sampler euler-maruyama]\n"
    "                            one sampler update: c_xt,c_x0,c_y,c_z\n"
    "  study [--golden DIR]      every preset against the generalised bridge\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fputs(usage, stderr);
    return 2;
  }
  const std::string cmd = argv[1];
  try {
    if (cmd == "--version" || cmd == "version") {
      std::printf("diffbridge %s\n", diffbridge::version);
      return 0;
    }
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      std::fputs(usage, stdout);
      return 0;
    }
    if (cmd == "list") return diffbridge::cli::cmd_list();
    if (cmd == "coeffs") return diffbridge::cli::cmd_coeffs(argc, argv);
    if (cmd == "step") return diffbridge::cli::cmd_step(argc, argv);
    if (cmd == "study") return diffbridge::cli::cmd_study(argc, argv);
    std::fprintf(stderr, "diffbridge: error: unknown command '%s' (try --help)\n", cmd.c_str());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "diffbridge: error: %s\n", e.what());
    return 2;
  }
}
