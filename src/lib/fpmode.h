/* The floating-point mode of the threads that train: subnormal results
 * flushed to zero and subnormal operands read as zero (x86's MXCSR FTZ and
 * DAZ bits), scoped so that a caller's mode is restored afterwards. */
#ifndef DNN_FPMODE_H
#define DNN_FPMODE_H

/* The calling thread's mode word (0 where the CPU has none). */
unsigned fpmode_get(void);

/* Set the calling thread's mode word (a value fpmode_get returned). */
void fpmode_set(unsigned mode);

/* Turn on flushing of subnormals in the calling thread; returns the mode
 * before, for fpmode_set. NaN and infinities are unaffected. */
unsigned fpmode_flush_begin(void);

/* Whether both FTZ and DAZ are on in the calling thread (0 where the CPU
 * has no such mode). */
int fpmode_flushing(void);

#endif
