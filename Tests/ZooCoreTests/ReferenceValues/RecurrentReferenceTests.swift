// Recurrent cells against PyTorch (Tools/fixtures/make_fixtures.py, recurrent.json): torch.nn.LSTMCell,
// torch.nn.GRUCell and RVD's ConvGRU cell, over one and two steps from a nonzero state, forward values and
// the gradients with respect to inputs, initial state, weights and biases.

import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

/// Loads the fixture's tensor under each key into its parameter and puts the parameter's leaf back into
/// `inputs`, so gradients are taken with respect to what the cell used.
private func loadParameters(_ inputs: inout [String: Tensor], _ parameters: [(String, Parameter)]) {
    for (key, parameter) in parameters {
        parameter.value = inputs[key]!
        inputs[key] = parameter.value
    }
}

/// Runs `step(x, n)` on the fixture's inputs x1, x2, … for n = 1...steps and gathers the outputs it names.
private func runSteps(_ c: FixtureCase, _ inputs: [String: Tensor],
                      _ step: (Tensor, Int) -> [String: Tensor]) -> [String: Tensor] {
    var outputs: [String: Tensor] = [:]
    for n in 1...Int(c.number("steps")) { outputs.merge(step(inputs["x\(n)"]!, n)) { _, new in new } }
    return outputs
}

@Test(arguments: fixtureCases("recurrent.json", prefix: "lstm_cell"))
func lstmCellMatchesPyTorch(_ c: FixtureCase) {
    var rng = RandomGenerator(seed: 1)
    let cell = LSTMCell(inputSize: Int(c.number("input_size")), hiddenSize: Int(c.number("hidden_size")), rng: &rng)
    checkAgainstFixture(c) { inputs in
        // namedParameters() gives PyTorch's names: weight_ih, weight_hh, bias_ih, bias_hh.
        loadParameters(&inputs, cell.namedParameters())
        var state: LSTMState = (inputs["h0"]!, inputs["c0"]!)
        return runSteps(c, inputs) { x, n in
            state = cell(x, state: state)
            return ["h\(n)": state.h, "c\(n)": state.c]
        }
    }
}

@Test(arguments: fixtureCases("recurrent.json", prefix: "gru_cell"))
func gruCellMatchesPyTorch(_ c: FixtureCase) {
    var rng = RandomGenerator(seed: 1)
    let cell = GRUCell(inputSize: Int(c.number("input_size")), hiddenSize: Int(c.number("hidden_size")), rng: &rng)
    checkAgainstFixture(c) { inputs in
        loadParameters(&inputs, cell.namedParameters())
        var h = inputs["h0"]!
        return runSteps(c, inputs) { x, n in
            h = cell(x, state: h)
            return ["h\(n)": h]
        }
    }
}

@Test(arguments: fixtureCases("recurrent.json", prefix: "conv_gru_cell"))
func convGRUCellMatchesPyTorch(_ c: FixtureCase) {
    var rng = RandomGenerator(seed: 1)
    let cell = ConvGRUCell(inputChannels: Int(c.number("input_channels")),
                           hiddenChannels: Int(c.number("hidden_channels")),
                           kernelSize: Int(c.number("kernel")), rng: &rng)
    checkAgainstFixture(c) { inputs in
        loadParameters(&inputs, [("gates_weight", cell.convGates[0].weight), ("gates_bias", cell.convGates[0].bias!),
                                 ("cand_weight", cell.convCans[0].weight), ("cand_bias", cell.convCans[0].bias!)])
        var h = inputs["h0"]!
        return runSteps(c, inputs) { x, n in
            h = cell(x, state: h)
            return ["h\(n)": h]
        }
    }
}
