// DIFFBRIDGE_HD marks functions that run on the host and, under nvcc, on the device.
#pragma once

#ifndef DIFFBRIDGE_HD
#if defined(__CUDACC__)
#define DIFFBRIDGE_HD __host__ __device__
#else
#define DIFFBRIDGE_HD
#endif
#endif
