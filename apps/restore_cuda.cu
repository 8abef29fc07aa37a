// `diffbridge restore --backend cuda` (restore_cuda.hpp): nvcc translation unit.
#include "restore_cuda.hpp"

#include <cuda_runtime_api.h>

#include <chrono>
#include <cstdio>
#include <span>

#include "diffbridge/backend/thrust.hpp"
#include "diffbridge/models/diffir/pipeline.hpp"
#include "diffbridge/nn/device/gemm_thrust.hpp"

static_assert(THRUST_DEVICE_SYSTEM == THRUST_DEVICE_SYSTEM_CUDA);

namespace diffbridge::cli {

cuda_restore_result restore_cuda(const io::safetensors_file& f, models::diffir::variant v,
                                 const models::diffir::config& c, const shape& in_shape,
                                 const std::vector<float>& in, const std::vector<float>* mask,
                                 const std::vector<float>& z, bool progress) {
  namespace dfr = models::diffir;
  using B = thrust_backend;
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    cudaGetLastError();  // clear the sticky "no device" error
    throw invalid_parameter("--backend cuda: no CUDA device available");
  }
  nn::device_context<B> ctx;
  const dfr::stage2<B> net(f, v, c);
  if (progress)
    std::fprintf(stderr, "restore: weights loaded (%zu tensors), running %s on %zux%zu (CUDA)\n",
                 f.size(), dfr::name(v), in_shape.w, in_shape.h);
  auto up = [](const std::vector<float>& h, shape s) {
    auto t = B::empty<float>(s);
    B::copy_from_host(std::span<const float>(h), B::as_view(t));
    return t;
  };
  const auto x = up(in, in_shape);
  const auto zt = up(z, shape{1, dfr::ipr_width, 1, 1});
  B::tensor<float> m;
  if (mask) m = up(*mask, shape{1, 1, in_shape.h, in_shape.w});
  const std::size_t s = dfr::out_scale(v);
  const shape os{1, 3, in_shape.h * s, in_shape.w * s};
  auto out = B::empty<float>(os);
  auto nv = [](auto t) { return tensor_view<typename decltype(t)::element_type>{t.raw(), t.dims}; };
  nn::workspace<B> ws;
  ctx.synchronize();
  const auto t0 = std::chrono::steady_clock::now();
  net.restore(ws, nv(B::as_view(x)), mask ? nn::cview(nv(B::as_view(m))) : nn::cview{},
              nv(B::as_view(zt)), nv(B::as_view(out)));
  ctx.synchronize();
  cuda_restore_result r;
  r.network_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.out.resize(os.numel());
  B::copy_to_host(B::as_view(std::as_const(out)), std::span<float>(r.out));
  return r;
}

}  // namespace diffbridge::cli
