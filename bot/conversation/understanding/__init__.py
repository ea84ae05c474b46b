"""Understanding what texters write: trained models for intents, danger and language (see DESIGN.md).

examples.py   the labelled examples' shape, checks and hash
features.py   what the models read in a message
training.py   scikit-learn training, thresholds from held-out data
linear.py     a trained model as arrays, read with numpy alone
reader.py     one message read: Understanding, with its explanation
cache.py      models cached by the hash of their examples (memory and a folder)
"""
