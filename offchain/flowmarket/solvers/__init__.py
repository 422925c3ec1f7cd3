"""Numerical solvers outside the clearing core's numpy/scipy, given to it as options."""
