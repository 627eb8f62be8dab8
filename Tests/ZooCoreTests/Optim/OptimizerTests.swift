// Optimizers against PyTorch trajectories, state by name, export/import and skipping.
//
// Reference values: PyTorch in float64 (Tools/fixtures/pasted_reference.py → Fixtures/reference_values.json),
// p₀ = [[0.5, −1], [2, 0.1]], loss = Σ w⊙(p − t)² with
// t = [[0.3, 0.2], [−0.4, 1.5]], w = [[1, 2], [0.5, 3]], five steps of
//   Adam(lr 0.1); Adam(lr 0.1, betas (0.8, 0.99), eps 1e-6, weight_decay 0.1); AdamW(lr 0.1, wd 0.1);
//   SGD(lr 0.05); SGD(lr 0.05, momentum 0.9, dampening 0.1, wd 0.01); SGD(lr 0.05, momentum 0.9, nesterov).

import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

private let target = Tensor(shape: [2, 2], scalars: [0.3, 0.2, -0.4, 1.5])
private let weights = Tensor(shape: [2, 2], scalars: [1, 2, 0.5, 3])

/// Runs `steps` updates of the quadratic loss and returns the parameter.
private func trajectory(_ optimizer: Optimizer, steps: Int = 5) -> Parameter {
    let p = Parameter(Tensor(shape: [2, 2], scalars: [0.5, -1, 2, 0.1]))
    let named = [("p", p)]
    for _ in 0..<steps {
        let loss = ((p.value - target).squared() * weights).sum()
        optimizer.update(named, gradients: gradients(of: loss, wrt: named))
    }
    return p
}

/// |a − b| ≤ 1e-5·max(1, |b|) elementwise.
private func expectClose(_ a: [Float], _ b: [Float], _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.count == b.count, sourceLocation: sourceLocation)
    for (x, y) in zip(a, b) {
        #expect(Swift.abs(x - y) <= 1e-5 * Swift.max(1, Swift.abs(y)), "\(what): \(a) vs \(b)", sourceLocation: sourceLocation)
    }
}

@Suite struct OptimizerTrajectories {
    @Test func adamMatchesPyTorch() {
        let adam = Adam(learningRate: 0.1)
        let p = trajectory(adam)
        expectClose(p.value.scalars, referenceValues("optim.adam.p"), "Adam p")
        let s = adam.slots(for: "p")!
        #expect(s["step"]!.item == 5)
        expectClose(s["exp_avg"]!.scalars, referenceValues("optim.adam.exp_avg"), "exp_avg")
        expectClose(s["exp_avg_sq"]!.scalars, referenceValues("optim.adam.exp_avg_sq"), "exp_avg_sq")
    }

    @Test func adamWithL2MatchesPyTorch() {
        let p = trajectory(Adam(learningRate: 0.1, betas: (0.8, 0.99), epsilon: 1e-6, weightDecay: 0.1))
        expectClose(p.value.scalars, referenceValues("optim.adam_l2.p"), "Adam L2 p")
    }

    @Test func adamWMatchesPyTorch() {
        let opt = AdamW(learningRate: 0.1, weightDecay: 0.1)
        let p = trajectory(opt)
        expectClose(p.value.scalars, referenceValues("optim.adamw.p"), "AdamW p")
        expectClose(opt.slots(for: "p")!["exp_avg"]!.scalars,
                    referenceValues("optim.adamw.exp_avg"), "AdamW exp_avg")
    }

    @Test func sgdVariantsMatchPyTorch() {
        expectClose(trajectory(SGD(learningRate: 0.05)).value.scalars,
                    referenceValues("optim.sgd.p"), "SGD")
        let momentum = SGD(learningRate: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.01)
        expectClose(trajectory(momentum).value.scalars, referenceValues("optim.sgd_momentum.p"), "SGD momentum")
        expectClose(momentum.slots(for: "p")!["momentum_buffer"]!.scalars,
                    referenceValues("optim.sgd_momentum.momentum_buffer"), "momentum_buffer")
        expectClose(trajectory(SGD(learningRate: 0.05, momentum: 0.9, nesterov: true)).value.scalars,
                    referenceValues("optim.sgd_nesterov.p"), "SGD nesterov")
    }
}

@Suite struct OptimizerStateTests {
    @Test func exportImportResumesExactly() {
        // 5 steps straight == 3 steps, export, fresh optimizer imports, 2 more steps.
        let straight = trajectory(Adam(learningRate: 0.1), steps: 5).value.scalars
        let first = Adam(learningRate: 0.1)
        let p = trajectory(first, steps: 3)
        let saved = first.exportState()
        #expect(saved.stepCount == 3)
        #expect(Set(saved.slots["p"]!.keys) == ["step", "exp_avg", "exp_avg_sq"])
        let second = Adam(learningRate: 0.5)
        second.importState(saved)
        #expect(second.learningRate == 0.1)
        let named = [("p", p)]
        for _ in 0..<2 {
            let loss = ((p.value - target).squared() * weights).sum()
            second.update(named, gradients: gradients(of: loss, wrt: named))
        }
        #expect(p.value.scalars == straight)
        // The exported copy did not move with the later steps.
        #expect(saved.slots["p"]!["step"]!.item == 3)
    }

    @Test func nilGradientSkipsParameterAndItsStepCount() {
        let adam = Adam(learningRate: 0.1)
        let a = Parameter(Tensor([1])), b = Parameter(Tensor([1]))
        adam.update([("a", a), ("b", b)], gradients: [Tensor([1]), nil])
        adam.update([("a", a), ("b", b)], gradients: [Tensor([1]), Tensor([1])])
        #expect(b.value.item != 1)
        #expect(adam.slots(for: "a")!["step"]!.item == 2)
        #expect(adam.slots(for: "b")!["step"]!.item == 1)
        // Adam's first step moves by lr·sign(g) (up to ε): b took its first step only now.
        #expect(Swift.abs(b.value.item - 0.9) < 1e-6)
        #expect(adam.stepCount == 2)
    }

    @Test func updateLeavesFreshLeavesAndDoesNotTouchOldStorage() {
        let p = Parameter(Tensor([1, 2]))
        let old = p.value
        SGD(learningRate: 1).update([("p", p)], gradients: [Tensor([1, 1])])
        #expect(old.scalars == [1, 2])
        #expect(p.value.scalars == [0, 1])
        #expect(p.value.node?.op == .leaf)
    }
}
