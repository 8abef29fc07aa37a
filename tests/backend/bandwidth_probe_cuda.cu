// The CUDA build of bandwidth_probe.cpp (Thrust backend on the GPU).
#include "bandwidth_probe.cpp"
