// Recurrent cells against PyTorch (Tools/fixtures/make_fixtures.py, recurrent.json): torch.nn.LSTMCell,
// torch.nn.GRUCell and RVD's ConvGRU cell, over one and two steps from a nonzero state, forward values and
// the gradients with respect to inputs, initial state, weights and biases.

import Testing
@testable import ZooCore

/// Loads the fixture's weight_ih, weight_hh, bias_ih and bias_hh into the cell's parameters and puts the
/// parameters' leaves back into `inputs`, so gradients are taken with respect to what the cell used.
private func loadVectorCellWeights(_ inputs: inout [String: Tensor], weightIH: Parameter, weightHH: Parameter,
                                   biasIH: Parameter?, biasHH: Parameter?) {
    weightIH.value = inputs["weight_ih"]!
    weightHH.value = inputs["weight_hh"]!
    biasIH!.value = inputs["bias_ih"]!
    biasHH!.value = inputs["bias_hh"]!
    inputs["weight_ih"] = weightIH.value
    inputs["weight_hh"] = weightHH.value
    inputs["bias_ih"] = biasIH!.value
    inputs["bias_hh"] = biasHH!.value
}

@Test(arguments: fixtureCases("recurrent.json", prefix: "lstm_cell"))
func lstmCellMatchesPyTorch(_ c: FixtureCase) {
    var rng = RandomGenerator(seed: 1)
    let cell = LSTMCell(inputSize: Int(c.number("input_size")), hiddenSize: Int(c.number("hidden_size")), rng: &rng)
    checkAgainstFixture(c) { inputs in
        loadVectorCellWeights(&inputs, weightIH: cell.weightIH, weightHH: cell.weightHH,
                              biasIH: cell.biasIH, biasHH: cell.biasHH)
        var state: LSTMState = (inputs["h0"]!, inputs["c0"]!)
        var outputs: [String: Tensor] = [:]
        for step in 1...Int(c.number("steps")) {
            state = cell(inputs["x\(step)"]!, state: state)
            outputs["h\(step)"] = state.h
            outputs["c\(step)"] = state.c
        }
        return outputs
    }
}

@Test(arguments: fixtureCases("recurrent.json", prefix: "gru_cell"))
func gruCellMatchesPyTorch(_ c: FixtureCase) {
    var rng = RandomGenerator(seed: 1)
    let cell = GRUCell(inputSize: Int(c.number("input_size")), hiddenSize: Int(c.number("hidden_size")), rng: &rng)
    checkAgainstFixture(c) { inputs in
        loadVectorCellWeights(&inputs, weightIH: cell.weightIH, weightHH: cell.weightHH,
                              biasIH: cell.biasIH, biasHH: cell.biasHH)
        var h = inputs["h0"]!
        var outputs: [String: Tensor] = [:]
        for step in 1...Int(c.number("steps")) {
            h = cell(inputs["x\(step)"]!, state: h)
            outputs["h\(step)"] = h
        }
        return outputs
    }
}

@Test(arguments: fixtureCases("recurrent.json", prefix: "conv_gru_cell"))
func convGRUCellMatchesPyTorch(_ c: FixtureCase) {
    var rng = RandomGenerator(seed: 1)
    let cell = ConvGRUCell(inputChannels: Int(c.number("input_channels")),
                           hiddenChannels: Int(c.number("hidden_channels")),
                           kernelSize: Int(c.number("kernel")), rng: &rng)
    checkAgainstFixture(c) { inputs in
        let parameters = [("gates_weight", cell.convGates[0].weight), ("gates_bias", cell.convGates[0].bias!),
                          ("cand_weight", cell.convCans[0].weight), ("cand_bias", cell.convCans[0].bias!)]
        for (key, parameter) in parameters {
            parameter.value = inputs[key]!
            inputs[key] = parameter.value
        }
        var h = inputs["h0"]!
        var outputs: [String: Tensor] = [:]
        for step in 1...Int(c.number("steps")) {
            h = cell(inputs["x\(step)"]!, state: h)
            outputs["h\(step)"] = h
        }
        return outputs
    }
}
