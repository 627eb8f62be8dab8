// Recurrent cells: counts, PyTorch initialisation, hand-computed steps and gradient flow. (Agreement with
// PyTorch on random cells is in ReferenceValues/RecurrentReferenceTests.swift.)

import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

private func sig(_ v: Double) -> Double { 1 / (1 + Foundation.exp(-v)) }

@Suite struct RecurrentCells {
    @Test func parameterCountsAndInit() {
        var rng = RandomGenerator(seed: 4)
        let lstm = LSTMCell(inputSize: 256, hiddenSize: 256, rng: &rng)
        #expect(lstm.parameterCount == 526_336)
        expectUniformInit(lstm.weightHH.value, bound: 1 / 16)
        expectUniformInit(lstm.biasIH!.value, bound: 1 / 16)
        let gru = GRUCell(inputSize: 10, hiddenSize: 20, rng: &rng)
        #expect(gru.parameterCount == 3 * 20 * 10 + 3 * 20 * 20 + 2 * 60)
        expectUniformInit(gru.weightIH.value, bound: 1 / Float(20).squareRoot())
    }

    @Test func lstmStepMatchesHandComputation() {
        var rng = RandomGenerator(seed: 1)
        let cell = LSTMCell(inputSize: 1, hiddenSize: 1, rng: &rng)
        // Gates i, f, g, o with weights (0.5, −0.3, 0.8, 0.1)·x + (0.2, 0.4, −0.6, 0.7)·h + biases.
        cell.weightIH.value = Tensor(shape: [4, 1], scalars: [0.5, -0.3, 0.8, 0.1])
        cell.weightHH.value = Tensor(shape: [4, 1], scalars: [0.2, 0.4, -0.6, 0.7])
        cell.biasIH!.value = Tensor([0.1, 0.0, -0.1, 0.2])
        cell.biasHH!.value = Tensor([0.0, 0.3, 0.05, -0.1])
        let x = 1.5, h = -0.4, c = 0.25
        let (h1, c1) = cell(Tensor(shape: [1, 1], scalars: [Float(x)]),
                            state: (Tensor(shape: [1, 1], scalars: [Float(h)]), Tensor(shape: [1, 1], scalars: [Float(c)])))
        let i = sig(0.5 * x + 0.2 * h + 0.1), f = sig(-0.3 * x + 0.4 * h + 0.3)
        let g = Foundation.tanh(0.8 * x - 0.6 * h - 0.05), o = sig(0.1 * x + 0.7 * h + 0.1)
        let cNext = f * c + i * g
        #expect(Swift.abs(Double(c1.item) - cNext) < 1e-6)
        #expect(Swift.abs(Double(h1.item) - o * Foundation.tanh(cNext)) < 1e-6)
    }

    @Test func gruStepMatchesHandComputation() {
        var rng = RandomGenerator(seed: 1)
        let cell = GRUCell(inputSize: 1, hiddenSize: 1, rng: &rng)
        cell.weightIH.value = Tensor(shape: [3, 1], scalars: [0.5, -0.3, 0.8])
        cell.weightHH.value = Tensor(shape: [3, 1], scalars: [0.2, 0.4, -0.6])
        cell.biasIH!.value = Tensor([0.1, 0.0, -0.1])
        cell.biasHH!.value = Tensor([0.0, 0.3, 0.05])
        let x = 1.5, h = -0.4
        let h1 = cell(Tensor(shape: [1, 1], scalars: [Float(x)]), state: Tensor(shape: [1, 1], scalars: [Float(h)]))
        let r = sig(0.5 * x + 0.1 + 0.2 * h), z = sig(-0.3 * x + 0.4 * h + 0.3)
        let n = Foundation.tanh(0.8 * x - 0.1 + r * (-0.6 * h + 0.05))
        #expect(Swift.abs(Double(h1.item) - ((1 - z) * n + z * h)) < 1e-6)
    }

    @Test func shapesAndGradientsThroughTwoSteps() {
        var rng = RandomGenerator(seed: 8)
        let lstm = LSTMCell(inputSize: 5, hiddenSize: 3, rng: &rng)
        let x = randomLayerInput([2, 5], &rng)
        var s = lstm.zeroState(batch: 2)
        #expect(s.h.shape == [2, 3] && s.c.shape == [2, 3])
        expectGradientReachesEveryParameter(lstm) {
            s = lstm(x, state: lstm.zeroState(batch: 2))
            s = lstm(x, state: s)
            return s.h + s.c
        }
        let gru = GRUCell(inputSize: 5, hiddenSize: 3, rng: &rng)
        expectGradientReachesEveryParameter(gru) { gru(x, state: gru(x, state: gru.zeroState(batch: 2))) }
    }
}
