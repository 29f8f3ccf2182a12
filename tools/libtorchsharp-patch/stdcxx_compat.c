/* Stand-in for std::ios_base_library_init() (GLIBCXX_3.4.32, GCC 13), which Debian 12's GCC 12 libstdc++ lacks.
   GCC 13's <iostream> references it only to force libstdc++'s stream initialisation; GCC 12's libstdc++
   initialises cout/cerr by itself, so doing nothing is correct. */
void _ZSt21ios_base_library_initv(void) {}
