"""The matrix functions behind ``chainrule.linalg``, one module per concept.

``checks``: input checks and failure reports (``LinAlgError`` with LAPACK's ``info``);
``matrices``: the constant matrices and masks their derivative rules share;
``solvers``: ``inv det slogdet logdet solve lstsq``;
``factorizations``: ``cholesky cholesky_inverse qr householder_product``;
``lu``: ``lu_factor lu lu_solve``; ``eigen``: ``eigh eigvalsh eig eigvals``;
``svd``: ``svd svdvals pinv``.
"""
