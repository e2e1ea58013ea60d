"""Development tooling (seed data, factories, the D1 export, the README's settings tables).

Nothing the running service imports may import this package (``tests/test_runtime_imports.py``).
"""
