// Driver for fuzz targets when built without libFuzzer: replays every file of the corpus
// directory given as argv[1], then deterministic random mutations of them (byte flips, cuts,
// insertions), so every build exercises the parsers with hostile input under ASan/UBSan.
#include <dirent.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int main(int argc, char** argv) {
  std::vector<std::vector<uint8_t>> corpus;
  if (argc > 1) {
    if (DIR* d = opendir(argv[1])) {
      while (dirent* e = readdir(d)) {
        if (e->d_name[0] == '.') continue;
        std::ifstream in(std::string(argv[1]) + "/" + e->d_name, std::ios::binary);
        corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      }
      closedir(d);
    }
  }
  if (corpus.empty()) corpus.push_back(std::vector<uint8_t>(12, 0));
  for (auto& c : corpus) LLVMFuzzerTestOneInput(c.data(), c.size());
  std::mt19937_64 rng(42);
  const int iterations = argc > 2 ? std::stoi(argv[2]) : 200000;
  for (int i = 0; i < iterations; ++i) {
    std::vector<uint8_t> m = corpus[rng() % corpus.size()];
    int edits = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < edits; ++k) {
      switch (rng() % 4) {
        case 0:
          if (!m.empty()) m[rng() % m.size()] = static_cast<uint8_t>(rng());
          break;
        case 1:
          if (!m.empty()) m.resize(rng() % m.size());
          break;
        case 2:
          m.insert(m.begin() + static_cast<long>(m.empty() ? 0 : rng() % m.size()),
                   static_cast<uint8_t>(rng()));
          break;
        default:
          if (!m.empty()) m[rng() % m.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
      }
    }
    LLVMFuzzerTestOneInput(m.data(), m.size());
  }
  printf("replayed %zu corpus inputs and %d mutations\n", corpus.size(), iterations);
  return 0;
}
