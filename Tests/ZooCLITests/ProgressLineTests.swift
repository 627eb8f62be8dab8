// The evaluation progress line of `zoo eval` and `zoo compare`: counts, elapsed time and the estimate left.
import Testing
@testable import ZooCLI

@Test func evaluationProgressLineEstimatesTheTimeLeft() {
    // 8 of 32 clips in 60 s: 24 clips left at 7.5 s each.
    let log = evaluationProgressLine("rvd", done: 8, total: 32, elapsed: 60, terminal: false)
    #expect(log == "evaluating rvd: 8/32 clips, 01:00 elapsed, ETA 03:00\n")
    // A terminal redraws one line and ends it only after the last batch.
    let partial = evaluationProgressLine("rvd", done: 8, total: 32, elapsed: 60, terminal: true)
    #expect(partial == "\revaluating rvd: 8/32 clips, 01:00 elapsed, ETA 03:00")
    let last = evaluationProgressLine("ivrnn", done: 32, total: 32, elapsed: 3725, terminal: true)
    #expect(last == "\revaluating ivrnn: 32/32 clips, 01:02:05 elapsed, ETA 00:00\n")
    // Before any clip is done there is no estimate.
    #expect(evaluationProgressLine("x", done: 0, total: 4, elapsed: 1, terminal: false).hasSuffix("ETA --:--\n"))
}
