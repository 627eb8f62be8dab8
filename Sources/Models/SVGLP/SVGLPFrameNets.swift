// SVG-LP's frame encoder and decoder, VGG or DCGAN (models/vgg_64.py, vgg_128.py, dcgan_64.py,
// dcgan_128.py of the official code), for square frames of 4·2^L pixels with L resolution levels
// (L = 4 at 64x64, 5 at 128x128, as the official files; 3 at 32x32 for the cpu preset), widths
// width·(1, 2, 4, 8, 8, …). The ConvLSTM variant replaces the last encoder convolution (4x4 valid,
// to 1x1) by a 3x3 one that keeps the 4x4 map, and the decoder's first (4x4 transposed, from 1x1) by
// a 3x3 convolution on that map.

import Foundation
import ZooCore

/// The frame encoder: frame [B, C, H, W] in [0, 1] → h ([B, g] or [B, g, 4, 4], tanh-bounded) and one
/// skip map per level (`encoder.c1` … `encoder.c{L+1}`).
final class SVGLPEncoder: Module {
    let backbone: SVGLPBackbone
    let stages: [any SVGLPLayerStack]
    let final: SVGLPConvBlock
    let spatial: Bool

    init(_ config: SVGLPConfig, rng: inout RandomGenerator) {
        backbone = config.backbone
        spatial = config.recurrence == .convlstm
        let levels = config.levels, nc = config.contract.channels
        var stages: [any SVGLPLayerStack] = []
        for i in 0..<levels {
            let nin = i == 0 ? nc : config.levelWidth(i - 1), w = config.levelWidth(i)
            switch config.backbone {
            case .vgg:
                // vgg_64.py: two layers at the first two levels, three below.
                let count = i < 2 ? 2 : 3
                stages.append(SVGLPStage((0..<count).map { SVGLPConvBlock.vgg($0 == 0 ? nin : w, w, rng: &rng) }))
            case .dcgan:
                stages.append(SVGLPConvBlock(Conv2d(nin, w, kernelSize: 4, stride: 2, padding: 1, rng: &rng),
                                             channels: w, activation: .leakyRelu, prefix: "main."))
            }
        }
        self.stages = stages
        let last = config.levelWidth(levels - 1)
        let conv = spatial ? Conv2d(last, config.gDim, kernelSize: 3, padding: 1, rng: &rng)
                           : Conv2d(last, config.gDim, kernelSize: 4, rng: &rng)
        final = SVGLPConvBlock(conv, channels: config.gDim, activation: .tanh, prefix: "")
    }

    func children() -> [(String, ModuleChild)] {
        stages.enumerated().map { ("c\($0.offset + 1)", ModuleChild.module($0.element)) }
            + [("c\(stages.count + 1)", .module(final))]
    }

    func callAsFunction(_ x: Tensor, _ mode: SVGLPNormMode) -> (h: Tensor, skips: [Tensor]) {
        var y = x
        var skips: [Tensor] = []
        for (i, stage) in stages.enumerated() {
            switch backbone {
            case .vgg:
                if i > 0 { y = maxPool2d(y, kernel: (2, 2)) }
                y = stage(y, mode)
            case .dcgan:
                y = stage(y, mode)
            }
            skips.append(y)
        }
        if backbone == .vgg { y = maxPool2d(y, kernel: (2, 2)) }
        let h = final(y, mode)
        return (spatial ? h : h.reshaped([h.shape[0], h.shape[1]]), skips)
    }
}

/// The frame decoder: h and the encoder's skips → frame [B, C, H, W] in (0, 1) (`decoder.upc1` …
/// `decoder.upc{L+1}`).
final class SVGLPDecoder: Module {
    let backbone: SVGLPBackbone
    let first: SVGLPConvBlock
    /// Stages from the deepest level to the first (upc2, upc3, …).
    let stages: [any SVGLPLayerStack]
    let spatial: Bool

    init(_ config: SVGLPConfig, rng: inout RandomGenerator) {
        backbone = config.backbone
        spatial = config.recurrence == .convlstm
        let levels = config.levels, nc = config.contract.channels, g = config.gDim
        let deepest = config.levelWidth(levels - 1)
        let conv: ConvolutionLayer = spatial ? Conv2d(g, deepest, kernelSize: 3, padding: 1, rng: &rng)
                                             : ConvTranspose2d(g, deepest, kernelSize: 4, rng: &rng)
        first = SVGLPConvBlock(conv, channels: deepest, activation: .leakyRelu, prefix: "")
        var stages: [any SVGLPLayerStack] = []
        for j in stride(from: levels - 1, through: 0, by: -1) {
            let w = config.levelWidth(j), below = j > 0 ? config.levelWidth(j - 1) : 0
            switch config.backbone {
            case .vgg:
                // vgg_64.py: [2w → w, (w → w)…, w → w_{j−1}] with as many layers as the encoder level;
                // the first level ends in one layer 2w → w and a 3x3 transposed convolution to C, sigmoid.
                let count = j < 2 ? 2 : 3
                if j > 0 {
                    stages.append(SVGLPStage((0..<count).map { k in
                        SVGLPConvBlock.vgg(k == 0 ? 2 * w : w, k == count - 1 ? below : w, rng: &rng)
                    }))
                } else {
                    stages.append(SVGLPStage((0..<(count - 1)).map { k in SVGLPConvBlock.vgg(k == 0 ? 2 * w : w, w, rng: &rng) },
                                             final: ConvTranspose2d(w, nc, kernelSize: 3, padding: 1, rng: &rng)))
                }
            case .dcgan:
                let up = ConvTranspose2d(2 * w, j > 0 ? below : nc, kernelSize: 4, stride: 2, padding: 1, rng: &rng)
                stages.append(j > 0 ? SVGLPConvBlock(up, channels: below, activation: .leakyRelu, prefix: "main.")
                                    : SVGLPConvBlock(up, channels: nil, activation: .sigmoid, prefix: ""))
            }
        }
        self.stages = stages
    }

    func children() -> [(String, ModuleChild)] {
        [("upc1", .module(first))] + stages.enumerated().map { ("upc\($0.offset + 2)", ModuleChild.module($0.element)) }
    }

    func callAsFunction(_ h: Tensor, skips: [Tensor], _ mode: SVGLPNormMode) -> Tensor {
        precondition(skips.count == stages.count, "SVG-LP decoder: \(stages.count) skip maps expected, got \(skips.count)")
        var d = first(spatial ? h : h.reshaped([h.shape[0], h.shape[1], 1, 1]), mode)
        for (k, stage) in stages.enumerated() {
            let skip = skips[skips.count - 1 - k]
            switch backbone {
            case .vgg:
                d = stage(concat([upsampleNearest(d, scale: 2), skip], axis: 1), mode)
            case .dcgan:
                d = stage(concat([d, skip], axis: 1), mode)
            }
        }
        return d
    }
}
