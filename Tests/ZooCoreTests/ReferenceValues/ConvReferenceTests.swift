// Convolutions against PyTorch (Tools/fixtures/make_fixtures.py, conv.json): F.conv2d, F.conv_transpose2d,
// F.conv3d and F.conv_transpose3d with strides, padding, dilation, output padding, non-square kernels and
// with or without bias; forward values and the gradients with respect to input, weight and bias.

import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

/// Runs the ZooCore op named by the case's `op` with the case's geometry.
private func convolve(_ c: FixtureCase, _ x: Tensor, _ w: Tensor, _ b: Tensor?) -> Tensor {
    switch c.config["op"]?.string {
    case "conv2d":
        return conv2d(x, w, bias: b, stride: c.pair("stride"), padding: c.pair("padding"),
                      dilation: c.pair("dilation"))
    case "conv_transpose2d":
        return convTranspose2d(x, w, bias: b, stride: c.pair("stride"), padding: c.pair("padding"),
                               outputPadding: c.pair("output_padding"), dilation: c.pair("dilation"))
    case "conv3d":
        return conv3d(x, w, bias: b, stride: c.triple("stride"), padding: c.triple("padding"),
                      dilation: c.triple("dilation"))
    case "conv_transpose3d":
        return convTranspose3d(x, w, bias: b, stride: c.triple("stride"), padding: c.triple("padding"),
                               outputPadding: c.triple("output_padding"), dilation: c.triple("dilation"))
    case let op:
        fatalError("\(c.name): unknown op \(op ?? "nil")")
    }
}

@Test(arguments: fixtureCases("conv.json"))
func convolutionMatchesPyTorch(_ c: FixtureCase) {
    checkAgainstFixture(c) { inputs in
        ["y": convolve(c, inputs["x"]!, inputs["weight"]!, inputs["bias"])]
    }
}
