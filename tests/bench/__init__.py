"""Benchmark: accuracy, calibration and speed of fichas, side by side with plain Tesseract
and OCRmyPDF. Run from the repository root: `python -m tests.bench [--quick]`."""
