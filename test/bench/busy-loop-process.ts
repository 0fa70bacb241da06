// Steals a core for bench:relay-real --steal yes: spins until killed.
for (;;) {
  // Nothing: the point is the CPU.
}
