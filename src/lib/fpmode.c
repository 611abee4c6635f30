/* The floating-point mode of training's threads (fpmode.h). */
#include "fpmode.h"

#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define HAVE_MXCSR 1
#define MXCSR_DAZ 0x0040u
#define MXCSR_FTZ 0x8000u
#endif

unsigned fpmode_get(void)
{
#ifdef HAVE_MXCSR
	return _mm_getcsr();
#else
	return 0;
#endif
}

void fpmode_set(unsigned mode)
{
#ifdef HAVE_MXCSR
	_mm_setcsr(mode);
#else
	(void)mode;
#endif
}

unsigned fpmode_flush_begin(void)
{
	unsigned before = fpmode_get();

#ifdef HAVE_MXCSR
	fpmode_set(before | MXCSR_DAZ | MXCSR_FTZ);
#endif
	return before;
}

int fpmode_flushing(void)
{
#ifdef HAVE_MXCSR
	return (fpmode_get() & (MXCSR_DAZ | MXCSR_FTZ)) == (MXCSR_DAZ | MXCSR_FTZ);
#else
	return 0;
#endif
}
