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
    let err = firstOrderError(c)
    #expect(err < c.tolerance, "\(c.name): gradient error \(err)")
}

@Test(arguments: allSecondOrderCases)
func secondOrderGradient(_ c: GradcheckCase) {
    let err = secondOrderError(c)
    #expect(err < c.tolerance, "\(c.name): second-order gradient error \(err)")
}

@Test func everyPrimitiveHasAGradcheckRow() {
    let covered = Set(allGradcheckCases.compactMap(\.op))
    let missing = Op.allCases.filter { $0 != .leaf && !covered.contains($0) }
    #expect(missing.isEmpty, "ops without a gradcheck row: \(missing.map(\.rawValue))")
}
