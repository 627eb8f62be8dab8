// ConvGRUCell (RVD's) and ConvLSTMCell: names, counts, values against PyTorch, gradient flow.
//
// Reference values: weights w[i] = scale·sin(0.7·i + phase) (flattened, Double → Float), computed in float64
// with F.conv2d and the cell equations of docs/models/rvd.md §3 by Tools/fixtures/pasted_reference.py
// (Fixtures/reference_values.json); make_fixtures.py's `conv_gru_cell` (recurrent.json) checks the cell again.

import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

/// scale·sin(0.7·i + phase) over the flattened shape (as the PyTorch script's `det`).
private func det(_ shape: [Int], _ scale: Double, _ phase: Double) -> Tensor {
    let n = shape.reduce(1, *)
    return Tensor(shape: shape, scalars: (0..<n).map { Float(Foundation.sin(Double($0) * 0.7 + phase) * scale) })
}

private func expectClose(_ a: [Float], _ b: [Float], tolerance: Float = 2e-6, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.count == b.count, sourceLocation: sourceLocation)
    let worst = zip(a, b).map { Swift.abs($0 - $1) }.max() ?? 0
    #expect(worst <= tolerance, "max difference \(worst)", sourceLocation: sourceLocation)
}

@Suite struct ConvRecurrentCells {
    @Test func convGRUNamesAndCounts() {
        var rng = RandomGenerator(seed: 20)
        let cell = ConvGRUCell(inputChannels: 48, hiddenChannels: 48, kernelSize: 3, rng: &rng)
        #expect(cell.parameterCount == 124_560)
        #expect(cell.namedParameters().map(\.0)
                == ["conv_gates.0.weight", "conv_gates.0.bias", "conv_cans.0.weight", "conv_cans.0.bias"])
        #expect(cell.convGates[0].weight.shape == [96, 96, 3, 3])
        let two = ConvGRUCell(inputChannels: 3, hiddenChannels: 4, kernelSize: 3, layerCount: 2, rng: &rng)
        #expect(two.convGates[1].weight.shape == [8, 8, 3, 3])
        #expect(two.namedParameters().map(\.0).contains("conv_cans.1.bias"))
        let lstm = ConvLSTMCell(inputChannels: 3, hiddenChannels: 4, rng: &rng)
        #expect(lstm.namedParameters().map(\.0) == ["convs.0.weight", "convs.0.bias"])
        #expect(lstm.parameterCount == 16 * 7 * 9 + 16)
    }

    @Test func convGRUMatchesPyTorch() {
        var rng = RandomGenerator(seed: 21)
        let cell = ConvGRUCell(inputChannels: 2, hiddenChannels: 3, kernelSize: 3, rng: &rng)
        cell.convGates[0].weight.value = det([6, 5, 3, 3], 0.3, 0.1)
        cell.convGates[0].bias!.value = det([6], 0.2, 0.5)
        cell.convCans[0].weight.value = det([3, 5, 3, 3], 0.3, 0.9)
        cell.convCans[0].bias!.value = det([3], 0.2, 1.3)
        let h = cell(det([1, 2, 3, 4], 1, 2), state: det([1, 3, 3, 4], 0.8, 3))
        #expect(h.shape == [1, 3, 3, 4])
        expectClose(h.scalars, referenceValues("conv_recurrent.gru.h"))
    }

    @Test func convGRUOneByOneMatchesHandComputation() {
        var rng = RandomGenerator(seed: 22)
        let cell = ConvGRUCell(inputChannels: 1, hiddenChannels: 1, kernelSize: 1, rng: &rng)
        cell.convGates[0].weight.value = Tensor(shape: [2, 2, 1, 1], scalars: [0.5, -0.4, 0.3, 0.9])
        cell.convGates[0].bias!.value = Tensor([0.1, -0.2])
        cell.convCans[0].weight.value = Tensor(shape: [1, 2, 1, 1], scalars: [0.7, -1.1])
        cell.convCans[0].bias!.value = Tensor([0.05])
        let x = 0.8, h = -0.6
        let out = cell(Tensor(shape: [1, 1, 1, 1], scalars: [Float(x)]), state: Tensor(shape: [1, 1, 1, 1], scalars: [Float(h)]))
        let sig = { (v: Double) in 1 / (1 + Foundation.exp(-v)) }
        let r = sig(0.5 * x - 0.4 * h + 0.1), u = sig(0.3 * x + 0.9 * h - 0.2)
        let c = Foundation.tanh(0.7 * x - 1.1 * r * h + 0.05)
        #expect(Swift.abs(Double(out.item) - ((1 - u) * h + u * c)) < 1e-6)
    }

    @Test func convLSTMMatchesPyTorch() {
        var rng = RandomGenerator(seed: 23)
        let cell = ConvLSTMCell(inputChannels: 2, hiddenChannels: 2, kernelSize: 3, rng: &rng)
        cell.convs[0].weight.value = det([8, 4, 3, 3], 0.3, 0.4)
        cell.convs[0].bias!.value = det([8], 0.2, 0.8)
        let s = cell(det([1, 2, 3, 4], 1, 2), state: (det([1, 2, 3, 4], 0.8, 3), det([1, 2, 3, 4], 0.5, 1.7)))
        expectClose(s.h.scalars, referenceValues("conv_recurrent.lstm.h"))
        expectClose(s.c.scalars, referenceValues("conv_recurrent.lstm.c"))
        // RVD's order (i, f, o, g) swaps the last two blocks: the same weights with those blocks swapped
        // give the same state.
        let rvd = ConvLSTMCell(inputChannels: 2, hiddenChannels: 2, gateOrder: .ifog, rng: &rng)
        let w = cell.convs[0].weight.value, b = cell.convs[0].bias!.value
        rvd.convs[0].weight.value = concat([w.sliced(axis: 0, 0..<4), w.sliced(axis: 0, 6..<8), w.sliced(axis: 0, 4..<6)], axis: 0)
        rvd.convs[0].bias!.value = concat([b.sliced(axis: 0, 0..<4), b.sliced(axis: 0, 6..<8), b.sliced(axis: 0, 4..<6)], axis: 0)
        let s2 = rvd(det([1, 2, 3, 4], 1, 2), state: (det([1, 2, 3, 4], 0.8, 3), det([1, 2, 3, 4], 0.5, 1.7)))
        expectClose(s2.h.scalars, s.h.scalars, tolerance: 0)
    }

    @Test func stackedCellsAndGradients() {
        var rng = RandomGenerator(seed: 24)
        let gru = ConvGRUCell(inputChannels: 2, hiddenChannels: 3, kernelSize: 3, layerCount: 2, rng: &rng)
        let x = randomLayerInput([2, 2, 4, 4], &rng)
        let states = gru(x, states: gru.zeroStates(batch: 2, height: 4, width: 4))
        #expect(states.map(\.shape) == [[2, 3, 4, 4], [2, 3, 4, 4]])
        expectGradientReachesEveryParameter(gru) {
            let s1 = gru(x, states: gru.zeroStates(batch: 2, height: 4, width: 4))
            return gru(x, states: s1)[1]
        }
        let lstm = ConvLSTMCell(inputChannels: 2, hiddenChannels: 3, layerCount: 2, rng: &rng)
        expectGradientReachesEveryParameter(lstm) {
            let s1 = lstm(x, states: lstm.zeroStates(batch: 2, height: 4, width: 4))
            let s2 = lstm(x, states: s1)
            return s2[1].h + s2[1].c
        }
    }
}
