// Umbrella header: core, schedules, the generalised bridge, presets and samplers.
// Backends (Eigen, xtensor, Thrust) and I/O are opt-in headers of their own.
#pragma once

#include "diffbridge/bridge/curve.hpp"
#include "diffbridge/bridge/generalised_bridge.hpp"
#include "diffbridge/bridge/parameters.hpp"
#include "diffbridge/bridge/preset.hpp"
#include "diffbridge/bridge/presets.hpp"
#include "diffbridge/bridge/process.hpp"
#include "diffbridge/core/coefficients.hpp"
#include "diffbridge/core/error.hpp"
#include "diffbridge/core/modulation.hpp"
#include "diffbridge/core/stable_math.hpp"
#include "diffbridge/sampler/implicit_step.hpp"
#include "diffbridge/sampler/parameterisation.hpp"
#include "diffbridge/sampler/pf_ode.hpp"
#include "diffbridge/sampler/time_grid.hpp"
#include "diffbridge/schedule/integrals.hpp"
#include "diffbridge/schedule/schedules.hpp"
#include "diffbridge/version.hpp"
