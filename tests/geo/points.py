"""Known WGS-84 points of Ankang used by the geography and routing tests."""

NINGSHAN_KEY = (33.30, 108.30)        # 宁陕县, illustrative key zone
NINGSHAN_CORE = (33.70, 108.30)       # 宁陕县, illustrative core zone
ANKANG_CITY = (32.69, 109.03)         # 汉滨区 by the Han river, outside the Qinling range
ZIYANG = (32.52, 108.53)              # 紫阳县, not a Qinling county
OUTSIDE = (34.26, 108.94)             # Xi'an
# A GCJ-02 map pick near the 宁陕县/汉滨区 border: 宁陕县 after conversion, 汉滨区 if taken as WGS-84
BORDER_GCJ02 = (33.259652, 108.649179)
