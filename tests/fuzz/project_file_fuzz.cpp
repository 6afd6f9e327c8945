// The .pare.json reader (ProjectFile) and the two parts that read its sections: slim's options
// (read_slim_options, check_slim_options) and analyze's gates (read_gate_files, which reads a
// file that is no JSON object as dive's .dive-ci).

#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "pare/analyze/gates.hpp"
#include "pare/slim/options.hpp"
#include "pare/util/project_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const pare::fuzz::MemoryFile file(pare::fuzz::bytes_of(data, size));
  try {
    (void)pare::ProjectFile::parse(file.path(), pare::fuzz::text_of(data, size));
  } catch (const pare::Error&) {
  }
  try {
    pare::SlimOptions options = pare::read_slim_options(file.path());
    pare::check_slim_options(options, pare::Preset::kNone);
    pare::check_slim_options(options, pare::Preset::kLambda);
  } catch (const pare::Error&) {
  }
  try {
    (void)pare::read_gate_files(file.path());
  } catch (const pare::Error&) {
  }
  return 0;
}
