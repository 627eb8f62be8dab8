// The gradcheck table: every primitive op and composite has rows here or in a file that contributes a
// list below. A meta-test fails when an `Op` case has no row.

import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

/// All rows, from every contributing list. Add a new list here when a file defines one.
let allGradcheckCases: [GradcheckCase] = elementwiseCases + reductionCases + movementCases + matmulCases + functionalCases + convCases + poolCases

/// Rows also checked at second order (the ops a gradient penalty differentiates twice).
let allSecondOrderCases: [GradcheckCase] = elementwiseSecondOrderCases + functionalSecondOrderCases + convSecondOrderCases

@Test(arguments: allGradcheckCases)
func firstOrderGradient(_ c: GradcheckCase) {
    let scores = firstOrderScores(c)
    #expect(scores.error < c.tolerance, "\(c.name): gradient error \(scores.error)")
    // The check is sharp enough: the same gradient 1% too large fails it.
    #expect(scores.onePercentOff > c.tolerance, "\(c.name): a 1% error scores only \(scores.onePercentOff)")
}

@Test(arguments: allSecondOrderCases)
func secondOrderGradient(_ c: GradcheckCase) {
    let scores = secondOrderScores(c)
    #expect(scores.error < c.tolerance, "\(c.name): second-order gradient error \(scores.error)")
    #expect(scores.onePercentOff > c.tolerance, "\(c.name): a 1% error scores only \(scores.onePercentOff)")
}

@Test func everyPrimitiveHasAGradcheckRow() {
    let covered = Set(allGradcheckCases.compactMap(\.op))
    let missing = Op.allCases.filter { $0 != .leaf && !covered.contains($0) }
    #expect(missing.isEmpty, "ops without a gradcheck row: \(missing.map(\.rawValue))")
}
