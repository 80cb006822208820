// Monotonic wall-clock time.
#pragma once

double cc_now_s(void);   // seconds since an arbitrary fixed point (CLOCK_MONOTONIC)
double cc_now_us(void);  // microseconds, same clock
