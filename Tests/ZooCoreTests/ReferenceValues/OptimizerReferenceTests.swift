// Optimizer trajectories against PyTorch (Tools/fixtures/make_fixtures.py, optim.json): a [3, 4] and a [4]
// parameter fed the same fixed gradients for 5 steps by torch.optim.Adam (with and without L2 weight
// decay), AdamW and SGD with momentum (plain and Nesterov); the parameters are compared after every step.

import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

/// The ZooCore optimizer the case's config describes.
private func makeOptimizer(_ c: FixtureCase) -> Optimizer {
    let lr = c.number("lr"), decay = c.number("weight_decay")
    switch c.config["optimizer"]?.string {
    case "adam":
        return Adam(learningRate: lr, betas: (c.number("beta1"), c.number("beta2")), epsilon: c.number("eps"),
                    weightDecay: decay)
    case "adamw":
        return AdamW(learningRate: lr, betas: (c.number("beta1"), c.number("beta2")), epsilon: c.number("eps"),
                     weightDecay: decay)
    case "sgd":
        return SGD(learningRate: lr, momentum: c.number("momentum"), nesterov: c.config["nesterov"]?.bool ?? false,
                   weightDecay: decay)
    case let name:
        fatalError("\(c.name): unknown optimizer \(name ?? "nil")")
    }
}

@Test(arguments: fixtureCases("optim.json"))
func optimizerTrajectoryMatchesPyTorch(_ c: FixtureCase) {
    let names = ["w", "b"]
    let parameters = names.map { ($0, Parameter(c.input($0))) }
    let optimizer = makeOptimizer(c)
    var worst = 0.0
    for step in 1...Int(c.number("steps")) {
        optimizer.update(parameters, gradients: names.map { c.input("\($0).grad\(step)") })
        for (name, parameter) in parameters {
            let err = expectClose(parameter.value, c.outputs["\(name).step\(step)"]!, "\(c.name) \(name) after step \(step)")
            worst = max(worst, err)
        }
    }
    print("fixture \(c.name): worst \(worst) over \(c.outputs.count) tensors")
}
