// Group normalisation against PyTorch (Tools/fixtures/make_fixtures.py, norm.json): F.group_norm with 2, 4
// and 8 groups, with and without the affine, on 4-D and 5-D inputs; forward values and the gradients with
// respect to input, weight and bias.

import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

@Test(arguments: fixtureCases("norm.json", prefix: "group_norm"))
func groupNormFixtureMatchesPyTorch(_ c: FixtureCase) {
    let groups = Int(c.number("groups")), eps = Float(c.number("eps"))
    checkAgainstFixture(c) { inputs in
        ["y": groupNorm(inputs["x"]!, groups: groups, weight: inputs["weight"], bias: inputs["bias"], eps: eps)]
    }
}
