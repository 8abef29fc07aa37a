#pragma once

#define DIFFBRIDGE_VERSION_MAJOR 0
#define DIFFBRIDGE_VERSION_MINOR 1
#define DIFFBRIDGE_VERSION_PATCH 0
#define DIFFBRIDGE_VERSION_STRING "0.1.0"

namespace diffbridge {
inline constexpr const char* version = DIFFBRIDGE_VERSION_STRING;
}
