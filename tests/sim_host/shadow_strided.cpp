// Shadow::access_strided (ascendpy_sim/race.h) against Shadow::access on each burst in turn, pruning where
// shadow_access would: random histories of strided reads and writes by several pipes with random knowledge (half
// the trials hazard-free, so they run long and prune). The segment lists, the maxima and the hazards found (kind,
// pipe, site, bytes, which burst) must be identical after every step. Built and run by tests/test_sim_shadow.py;
// prints "PASS n" or "FAIL ..." (exit status 1). Argument: the seed.
#include "ascendpy_sim/race.h"

#include <cstdio>
#include <random>

using namespace ascendpy_sim;

static bool same_list(const Shadow& a, const Shadow& b) {
  if (a.segs.size() != b.segs.size() || a.pipes_seen != b.pipes_seen) return false;
  for (int i = 0; i < kLanes; ++i)
    if (a.max.c[i] != b.max.c[i]) return false;
  for (size_t i = 0; i < a.segs.size(); ++i) {
    const Seg &x = a.segs[i], &y = b.segs[i];
    if (x.lo != y.lo || x.hi != y.hi || !x.s.same(y.s)) return false;
  }
  return true;
}

int main(int argc, char** argv) {
  const unsigned seed = argc > 1 ? static_cast<unsigned>(std::strtoul(argv[1], nullptr, 10)) : 1u;
  std::mt19937_64 rng(seed);
  std::vector<Seg> tmp, out, rest;
  long checked = 0;
  for (int trial = 0; trial < 400; ++trial) {
    Shadow one, many;  // `one`: access per burst; `many`: access_strided
    const size_t prune_at = 8 + rng() % 64;
    one.prune_at = many.prune_at = prune_at;
    VClock vc[kPipes];
    Clock clock[kPipes] = {};
    const uint64_t space = 64 + rng() % 4096;
    const bool calm = trial % 2 == 1;  // every pipe knows everything: no hazards, long histories, pruning
    for (int step = 0; step < 600; ++step) {
      const pipe_t p = static_cast<pipe_t>(1 + rng() % (kPipes - 1));
      const int pi = static_cast<int>(p);
      for (int q = 1; q < kPipes; ++q) {  // learn something about the other pipes (mostly everything)
        const Clock upto = calm || rng() % 8 ? clock[q] : clock[q] ? static_cast<Clock>(rng() % (clock[q] + 1)) : 0;
        if (upto > vc[pi].c[q]) vc[pi].c[q] = upto;
      }
      const Clock ck = ++clock[pi];
      const uint32_t site = static_cast<uint32_t>(1 + rng() % 5);
      const bool write = rng() % 3 == 0;
      const uint64_t len = 1 + rng() % 48;
      const uint64_t pitch = len + rng() % 3 * (rng() % 40);
      const uint64_t count = 1 + rng() % 12;
      const uint64_t lo = rng() % space;
      Conflict c1, c2;
      bool hit1 = false;
      uint64_t at1 = 0;
      for (uint64_t i = 0; i < count && !hit1; ++i) {
        hit1 = one.access(p, vc[pi], ck, site, lo + i * pitch, lo + i * pitch + len, write, &c1, tmp);
        at1 = i;
        if (!hit1 && one.segs.size() > one.prune_at) {
          VClock all[kPipes];
          for (int q = 0; q < kPipes; ++q) all[q] = vc[q];
          one.prune(all);
        }
      }
      bool hit2 = false;
      uint64_t next = 0;
      while (next < count) {
        const int r = many.access_strided(p, vc[pi], ck, site, lo, count, len, pitch, write, &c2, &next, tmp, out, rest);
        if (r == 1) {
          hit2 = true;
          break;
        }
        if (r == 2) {
          VClock all[kPipes];
          for (int q = 0; q < kPipes; ++q) all[q] = vc[q];
          many.prune(all);
        }
      }
      ++checked;
      if (hit1 != hit2 || (hit1 && (c1.lo != c2.lo || c1.hi != c2.hi || c1.hz != c2.hz || c1.other != c2.other ||
                                    c1.other_site != c2.other_site || next != at1))) {
        std::printf("FAIL hazard seed=%u trial=%d step=%d hit %d/%d\n", seed, trial, step, hit1, hit2);
        return 1;
      }
      if (!same_list(one, many)) {
        std::printf("FAIL segments seed=%u trial=%d step=%d: %zu vs %zu segments after %lu bursts of %lu every %lu\n",
                    seed, trial, step, one.segs.size(), many.segs.size(), static_cast<unsigned long>(count),
                    static_cast<unsigned long>(len), static_cast<unsigned long>(pitch));
        return 1;
      }
      if (hit1) break;  // a fault ends the kernel
    }
  }
  std::printf("PASS %ld\n", checked);
  return 0;
}
