def clip(values, low=0.0):
    return [max(low, v) for v in values]
