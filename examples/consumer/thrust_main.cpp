// Uses the installed Thrust backend (CCCL found on this machine): a round trip through device
// memory on the build's device system.
#include <array>
#include <cstdio>
#include <diffbridge/backend/thrust.hpp>
#include <span>
#include <utility>

int main() {
  using B = diffbridge::thrust_backend;
  const std::array<float, 4> in{1.0f, 2.0f, 3.0f, 4.0f};
  std::array<float, 4> out{};
  auto t = B::empty<float>(diffbridge::shape{1, 1, 2, 2});
  B::copy_from_host(std::span<const float>(in), B::as_view(t));
  B::copy_to_host(B::as_view(std::as_const(t)), std::span<float>(out));
  std::printf("thrust backend (%.*s): %g %g %g %g\n", int(B::name.size()), B::name.data(), out[0], out[1],
              out[2], out[3]);
  return out == in ? 0 : 1;
}
