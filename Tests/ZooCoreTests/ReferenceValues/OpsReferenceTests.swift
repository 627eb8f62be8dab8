// Pooling, shape ops and functional composites against PyTorch (Tools/fixtures/make_fixtures.py, ops.json):
// outputs and the gradients of Σ upstream ⊙ output, at the fixtures' 1e-4 relative tolerance. The gradcheck
// table checks the same ops against central differences; this checks them against another implementation.

import Testing
@testable import ZooCore
@testable import ZooNN
@testable import ZooTensor

/// The Swift call of each case of ops.json, by name.
private let opsUnderTest: [String: @Sendable ([String: Tensor]) -> Tensor] = [
    "max_pool2d k2": { maxPool2d($0["x"]!, kernel: (2, 2)) },
    "max_pool2d k3 s2 p1": { maxPool2d($0["x"]!, kernel: (3, 3), stride: (2, 2), padding: (1, 1)) },
    "max_pool3d k2": { maxPool3d($0["x"]!, kernel: (2, 2, 2)) },
    "avg_pool2d k3 s2 p1 count_include_pad": { avgPool2d($0["x"]!, kernel: (3, 3), stride: (2, 2), padding: (1, 1)) },
    "avg_pool2d k3 s2 p1 exclude_pad": {
        avgPool2d($0["x"]!, kernel: (3, 3), stride: (2, 2), padding: (1, 1), countIncludePad: false)
    },
    "avg_pool3d k2 s1 p(0,1,1)": { avgPool3d($0["x"]!, kernel: (2, 2, 2), stride: (1, 1, 1), padding: (0, 1, 1)) },
    "pad (1,0),(2,1) value 0.5": { $0["x"]!.padded([(1, 0), (2, 1)], value: 0.5) },
    "flip axis 1": { $0["x"]!.flipped(axes: [1]) },
    "permute (2,0,1)": { $0["x"]!.permuted(2, 0, 1) },
    "slice [1:3, 2:5]": { $0["x"]!.sliced([1..<3, 2..<5]) },
    "concat axis 1": { concat([$0["a"]!, $0["b"]!], axis: 1) },
    "softmax axis 1": { softmax($0["x"]!, axis: 1) },
    "log_softmax axis -1": { logSoftmax($0["x"]!, axis: -1) },
    "l1_loss mean": { l1Loss($0["a"]!, $0["b"]!) },
    "mse_loss mean": { mseLoss($0["a"]!, $0["b"]!) },
    "variance axis 1 (biased)": { $0["x"]!.variance(axes: [1]) },
]

@Test func everyOpsFixtureCaseHasASwiftCall() {
    let names = Set(fixtureCases("ops.json").map(\.name))
    #expect(names == Set(opsUnderTest.keys))
}

@Test(arguments: fixtureCases("ops.json"))
func opsFixtureMatchesPyTorch(_ c: FixtureCase) throws {
    let f = try #require(opsUnderTest[c.name], "no Swift call for \(c.name)")
    checkAgainstFixture(c) { inputs in ["y": f(inputs)] }
}
