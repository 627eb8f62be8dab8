// A training step must free its graph. Tests run in parallel and share `liveNodeCount`, so instead of
// comparing that global counter this holds weak references to every node of each step's graph and checks
// that all of them are gone once the step's values go out of scope.

import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

private final class WeakNode {
    weak var node: Node?
    init(_ node: Node) { self.node = node }
}

/// A small model touching the common layers: conv → GroupNorm+LeakyReLU → ConvGRU → pooled → Linear.
private final class TinyNet: Module {
    let conv: Conv2d
    let norm: GroupNorm
    let gru: ConvGRUCell
    let head: Linear

    init(rng: inout RandomGenerator) {
        conv = Conv2d(2, 4, kernelSize: 3, padding: 1, rng: &rng)
        norm = GroupNorm(groups: 2, channels: 4)
        gru = ConvGRUCell(inputChannels: 4, hiddenChannels: 4, kernelSize: 3, rng: &rng)
        head = Linear(4, 1, rng: &rng)
    }

    func callAsFunction(_ frames: [Tensor]) -> Tensor {
        var h = gru.zeroState(batch: frames[0].shape[0], height: 4, width: 4)
        for x in frames { h = gru(norm.leakyRelu(conv(x), negativeSlope: 0.2), state: h) }
        return head(h.mean(axes: [2, 3]))
    }
}

@Suite struct TrainingGraphRelease {
    @Test func adamTrainingStepsFreeEveryNode() {
        var rng = RandomGenerator(seed: 40)
        let net = TinyNet(rng: &rng)
        let params = net.namedParameters()
        let adam = Adam(learningRate: 1e-2)
        let frames = (0..<3).map { _ in randomLayerInput([2, 2, 4, 4], &rng) }
        var watched: [WeakNode] = []
        var losses: [Float] = []
        for _ in 0..<4 {
            do {
                let loss = (net(frames) - 1).squared().mean()
                watched += topologicalOrder(from: loss.node!).map(WeakNode.init)
                let grads = gradients(of: loss, wrt: params)
                adam.update(params, gradients: grads)
                losses.append(loss.item)
            }
        }
        #expect(watched.count > 50)
        let alive = watched.filter { $0.node != nil }.count
        #expect(alive == 0, "\(alive) of \(watched.count) nodes outlived their step")
        #expect(losses.last! < losses.first!)
        // Parameters hold exactly one fresh leaf each.
        for (_, p) in params { #expect(p.value.node?.op == .leaf) }
    }

    @Test func gradientPenaltyStepFreesEveryNode() {
        // A WGAN-GP-style step: the gradient of the critic with respect to its input is built with
        // createGraph, its norm penalised and differentiated again.
        var rng = RandomGenerator(seed: 41)
        let critic = Linear(6, 1, rng: &rng)
        let params = critic.namedParameters()
        let sgd = SGD(learningRate: 0.1, momentum: 0.9)
        var watched: [WeakNode] = []
        for _ in 0..<3 {
            do {
                let x = randomLayerInput([4, 6], &rng).requiringGrad()
                let score = leakyRelu(critic(x), negativeSlope: 0.2).sum()
                let gx = gradients(of: score, wrt: [x], createGraph: true)[0]
                let penalty = (sqrt((gx * gx).sum(axes: [1]) + 1e-12) - 1).squared().mean()
                watched += topologicalOrder(from: penalty.node!).map(WeakNode.init)
                watched += topologicalOrder(from: score.node!).map(WeakNode.init)
                sgd.update(params, gradients: gradients(of: penalty, wrt: params))
            }
        }
        let alive = watched.filter { $0.node != nil }.count
        #expect(alive == 0, "\(alive) of \(watched.count) nodes outlived their step")
    }
}
