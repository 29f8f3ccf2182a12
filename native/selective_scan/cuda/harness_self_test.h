// Self-test of the harness's own host pieces, run in both builds before any case.
#pragma once

namespace mfuser::harness {

/// fp16 rounding, parameter validation messages, register kernel plans and the dispatch rule; prints each failure
/// and returns their number.
int SelfTest();

}  // namespace mfuser::harness
