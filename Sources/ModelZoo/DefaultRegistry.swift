// The one list of registered models. A model joins the zoo with one line here (and its target in
// Package.swift); the conformance suite in Tests/ModelTests then covers it automatically.
import Baselines
import GANs
import IVRNN
import RVD
import SVGLP
import VD
import ZooCore

/// Every model the zoo offers, by name.
public let defaultRegistry = ModelRegistry([
    CopyLast.entry,
    ConvGRUPredictor.entry,
    RVD.entry, VD.entry,
    RetroGAN.entry, DVDGAN.entry, FutureGAN.entry,
    IVRNN.entry,
    SVGLP.entry,
])
