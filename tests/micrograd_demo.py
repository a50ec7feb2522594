"""micrograd's demo (demo.ipynb, as released with micrograd 0.1.0), ported by
changing only its imports: two moons, ``MLP(2, [16, 16, 1])``, the SVM
max-margin loss with L2 regularisation, 100 steps of SGD. The plots and the
prints of the model and of the first loss are left out.

Run as a script, it prints the demo's lines, one per step:

    python tests/micrograd_demo.py              # this engine
    python tests/micrograd_demo.py micrograd    # micrograd 0.1.0 itself

``tests/micrograd_demo.txt`` is what the second command printed, with
micrograd 0.1.0, numpy 2.4 and scikit-learn 1.9 (``pip install
micrograd==0.1.0``; micrograd takes about six minutes of CPU). test_nn.py
compares this engine's lines with it. The data come from scikit-learn's
``make_moons``: should a release ever change it, record the file again.
"""

import random
import sys


def demo(engine: str = "autograd", steps: int = 100) -> None:
    """Print micrograd's demo's lines, with ``engine``'s Value and MLP."""
    import numpy as np
    from sklearn.datasets import make_moons

    if engine == "micrograd":
        from micrograd.engine import Value
        from micrograd.nn import MLP
    else:
        from autograd import Value
        from autograd.nn import MLP

    np.random.seed(1337)
    random.seed(1337)

    # make up a dataset
    X, y = make_moons(n_samples=100, noise=0.1)
    y = y * 2 - 1  # make y be -1 or 1

    # initialize a model
    model = MLP(2, [16, 16, 1])  # 2-layer neural network

    # loss function
    def loss(batch_size=None):
        # inline DataLoader :)
        if batch_size is None:
            Xb, yb = X, y
        else:
            ri = np.random.permutation(X.shape[0])[:batch_size]
            Xb, yb = X[ri], y[ri]
        inputs = [list(map(Value, xrow)) for xrow in Xb]

        # forward the model to get scores
        scores = list(map(model, inputs))

        # svm "max-margin" loss
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(yb, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        # L2 regularization
        alpha = 1e-4
        reg_loss = alpha * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss

        # also get accuracy
        accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(yb, scores)]
        return total_loss, sum(accuracy) / len(accuracy)

    # optimization
    for k in range(steps):
        # forward
        total_loss, acc = loss()

        # backward
        model.zero_grad()
        total_loss.backward()

        # update (sgd)
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad

        if k % 1 == 0:
            print(f"step {k} loss {total_loss.data}, accuracy {acc * 100}%")


if __name__ == "__main__":
    demo(*sys.argv[1:])
