/**
 * The raw CPython symbol table: C names, one C signature comment per entry.
 *
 * Conventions, chosen by measurement on Deno 2.9 (see README, "Fast path"):
 * - `PyObject*` is `"pointer"`. A `Py_ssize_t`/`size_t` *parameter* on a hot
 *   path is declared `"pointer"` too (same register, same width on every
 *   64-bit ABI CPython supports) and passed as a cached pointer constant from
 *   `src/core/ssize.ts`: an `isize` parameter drops the call off V8's fast
 *   path (about 100 ns against 8 ns here). Results may be `"isize"`: they stay
 *   fast.
 * - Symbols absent from some supported versions are `optional: true` and are
 *   `null` in the loaded table.
 *
 * This module is internal: the entry points never re-export it.
 *
 * @module
 */

/** The symbol table, typed for `Deno.dlopen`. */
export const SYMBOLS = {
  // --- lifecycle, GIL ------------------------------------------------------
  /** void Py_InitializeEx(int initsigs) */
  Py_InitializeEx: { parameters: ["i32"], result: "void" },
  /** int Py_IsInitialized(void) */
  Py_IsInitialized: { parameters: [], result: "i32" },
  /** const char* Py_GetVersion(void) */
  Py_GetVersion: { parameters: [], result: "pointer" },
  /** void Py_SetProgramName(const wchar_t* name): before Py_Initialize (deprecated from 3.11, present to 3.13) */
  Py_SetProgramName: { parameters: ["pointer"], result: "void" },
  /** wchar_t* Py_DecodeLocale(const char* arg, size_t* size): PyMem_RawMalloc'd */
  Py_DecodeLocale: { parameters: ["buffer", "pointer"], result: "pointer" },
  /** PyOS_sighandler_t PyOS_setsig(int sig, PyOS_sighandler_t handler) */
  PyOS_setsig: { parameters: ["i32", "pointer"], result: "pointer" },
  /** PyObject* PyInstanceMethod_New(PyObject* func)  (new): binds func as a method when on a class */
  PyInstanceMethod_New: { parameters: ["pointer"], result: "pointer" },
  /** int PyErr_CheckSignals(void): run the Python handlers of tripped signals (main thread) */
  PyErr_CheckSignals: { parameters: [], result: "i32" },
  /** void PyErr_WriteUnraisable(PyObject* obj): report and clear the raised exception */
  PyErr_WriteUnraisable: { parameters: ["pointer"], result: "void" },
  /**
   * libc's int sigaction(int sig, const struct sigaction* act, struct sigaction* old),
   * found through libpython's own dependency on libc (src/core/signals.ts)
   */
  sigaction: {
    parameters: ["i32", "pointer", "pointer"],
    result: "i32",
    optional: true,
  },
  /** libc's int raise(int sig): a signal to the calling thread (src/core/signals.ts) */
  raise: { parameters: ["i32"], result: "i32", optional: true },
  /** PyThreadState* PyEval_SaveThread(void) */
  PyEval_SaveThread: { parameters: [], result: "pointer" },
  /** void PyEval_RestoreThread(PyThreadState* tstate) */
  PyEval_RestoreThread: { parameters: ["pointer"], result: "void" },
  /** PyGILState_STATE PyGILState_Ensure(void) */
  PyGILState_Ensure: { parameters: [], result: "i32" },
  /** void PyGILState_Release(PyGILState_STATE state) */
  PyGILState_Release: { parameters: ["i32"], result: "void" },
  /** int PyGILState_Check(void) */
  PyGILState_Check: { parameters: [], result: "i32" },
  /** unsigned long PyThread_get_thread_ident(void) */
  PyThread_get_thread_ident: { parameters: [], result: "u64" },

  // --- reference counting --------------------------------------------------
  /** void Py_IncRef(PyObject* o) */
  Py_IncRef: { parameters: ["pointer"], result: "void" },
  /** void Py_DecRef(PyObject* o) */
  Py_DecRef: { parameters: ["pointer"], result: "void" },

  // --- errors --------------------------------------------------------------
  /** PyObject* PyErr_Occurred(void)  (borrowed) */
  PyErr_Occurred: { parameters: [], result: "pointer" },
  /** void PyErr_Fetch(PyObject** ptype, PyObject** pvalue, PyObject** ptraceback) */
  PyErr_Fetch: { parameters: ["buffer", "buffer", "buffer"], result: "void" },
  /** void PyErr_NormalizeException(PyObject** exc, PyObject** val, PyObject** tb) */
  PyErr_NormalizeException: {
    parameters: ["buffer", "buffer", "buffer"],
    result: "void",
  },
  /** void PyErr_Restore(PyObject* type, PyObject* value, PyObject* traceback)  (steals all three) */
  PyErr_Restore: {
    parameters: ["pointer", "pointer", "pointer"],
    result: "void",
  },
  /** void PyErr_SetString(PyObject* type, const char* message) */
  PyErr_SetString: { parameters: ["pointer", "buffer"], result: "void" },
  /** void PyErr_SetObject(PyObject* type, PyObject* value) */
  PyErr_SetObject: { parameters: ["pointer", "pointer"], result: "void" },
  /** void PyErr_Clear(void) */
  PyErr_Clear: { parameters: [], result: "void" },
  /** int PyErr_ExceptionMatches(PyObject* exc)  (is the raised exception an instance of exc?) */
  PyErr_ExceptionMatches: { parameters: ["pointer"], result: "i32" },
  /** int PyErr_GivenExceptionMatches(PyObject* given, PyObject* exc) */
  PyErr_GivenExceptionMatches: {
    parameters: ["pointer", "pointer"],
    result: "i32",
  },
  /** int PyException_SetTraceback(PyObject* ex, PyObject* tb) */
  PyException_SetTraceback: {
    parameters: ["pointer", "pointer"],
    result: "i32",
  },
  /** PyObject* PyException_GetTraceback(PyObject* ex)  (new) */
  PyException_GetTraceback: { parameters: ["pointer"], result: "pointer" },
  /** PyObject* PyException_GetCause(PyObject* ex)  (new; NULL when none) */
  PyException_GetCause: { parameters: ["pointer"], result: "pointer" },
  /** PyObject* PyException_GetContext(PyObject* ex)  (new; NULL when none) */
  PyException_GetContext: { parameters: ["pointer"], result: "pointer" },
  /** void PyException_SetCause(PyObject* ex, PyObject* cause)  (steals cause) */
  PyException_SetCause: { parameters: ["pointer", "pointer"], result: "void" },

  // --- generic object protocol --------------------------------------------
  /** PyObject* PyObject_GetAttr(PyObject* o, PyObject* name)  (new) */
  PyObject_GetAttr: { parameters: ["pointer", "pointer"], result: "pointer" },
  /** int PyObject_SetAttr(PyObject* o, PyObject* name, PyObject* v)  (v NULL deletes) */
  PyObject_SetAttr: {
    parameters: ["pointer", "pointer", "pointer"],
    result: "i32",
  },
  /** PyObject* PyObject_GetItem(PyObject* o, PyObject* key)  (new) */
  PyObject_GetItem: { parameters: ["pointer", "pointer"], result: "pointer" },
  /** int PyObject_SetItem(PyObject* o, PyObject* key, PyObject* v) */
  PyObject_SetItem: {
    parameters: ["pointer", "pointer", "pointer"],
    result: "i32",
  },
  /** int PyObject_DelItem(PyObject* o, PyObject* key) */
  PyObject_DelItem: { parameters: ["pointer", "pointer"], result: "i32" },
  /** int PySequence_Contains(PyObject* o, PyObject* value) */
  PySequence_Contains: { parameters: ["pointer", "pointer"], result: "i32" },
  /** Py_ssize_t PyObject_Size(PyObject* o) */
  PyObject_Size: { parameters: ["pointer"], result: "isize" },
  /** PyObject* PyObject_Repr(PyObject* o)  (new) */
  PyObject_Repr: { parameters: ["pointer"], result: "pointer" },
  /** PyObject* PyObject_Str(PyObject* o)  (new) */
  PyObject_Str: { parameters: ["pointer"], result: "pointer" },
  /** PyObject* PyObject_RichCompare(PyObject* a, PyObject* b, int op)  (new) */
  PyObject_RichCompare: {
    parameters: ["pointer", "pointer", "i32"],
    result: "pointer",
  },
  /** int PyObject_RichCompareBool(PyObject* a, PyObject* b, int op) */
  PyObject_RichCompareBool: {
    parameters: ["pointer", "pointer", "i32"],
    result: "i32",
  },
  /** Py_hash_t PyObject_Hash(PyObject* o) */
  PyObject_Hash: { parameters: ["pointer"], result: "isize" },
  /** int PyObject_IsTrue(PyObject* o) */
  PyObject_IsTrue: { parameters: ["pointer"], result: "i32" },
  /** int PyCallable_Check(PyObject* o) */
  PyCallable_Check: { parameters: ["pointer"], result: "i32" },
  /** PyObject* PyObject_GetIter(PyObject* o)  (new) */
  PyObject_GetIter: { parameters: ["pointer"], result: "pointer" },
  /** PyObject* PyIter_Next(PyObject* it)  (new; NULL at the end or on error) */
  PyIter_Next: { parameters: ["pointer"], result: "pointer" },
  /** int PyObject_IsInstance(PyObject* inst, PyObject* cls) */
  PyObject_IsInstance: { parameters: ["pointer", "pointer"], result: "i32" },
  /** PyObject* PyObject_Type(PyObject* o)  (new) */
  PyObject_Type: { parameters: ["pointer"], result: "pointer" },
  /** unsigned long PyType_GetFlags(PyTypeObject* t)  (low 32 bits hold every flag used here) */
  PyType_GetFlags: { parameters: ["pointer"], result: "u32" },
  /** int PyType_IsSubtype(PyTypeObject* a, PyTypeObject* b) */
  PyType_IsSubtype: { parameters: ["pointer", "pointer"], result: "i32" },
  /** int PyIter_Check(PyObject* o)  (a function in every supported version) */
  PyIter_Check: { parameters: ["pointer"], result: "i32" },
  /** PyObject* PyObject_Dir(PyObject* o)  (new) */
  PyObject_Dir: { parameters: ["pointer"], result: "pointer" },

  // --- calls ---------------------------------------------------------------
  /** PyObject* PyObject_Call(PyObject* callable, PyObject* args, PyObject* kwargs)  (new) */
  PyObject_Call: {
    parameters: ["pointer", "pointer", "pointer"],
    result: "pointer",
  },
  /** PyObject* PyObject_CallObject(PyObject* callable, PyObject* args)  (new; args may be NULL) */
  PyObject_CallObject: {
    parameters: ["pointer", "pointer"],
    result: "pointer",
  },
  /** PyObject* PyObject_Vectorcall(PyObject* c, PyObject* const* args, size_t nargsf, PyObject* kwnames)  (3.9+) */
  PyObject_Vectorcall: {
    parameters: ["pointer", "buffer", "pointer", "pointer"],
    result: "pointer",
    optional: true,
  },
  /** PyObject* PyObject_VectorcallMethod(PyObject* name, PyObject* const* args, size_t nargsf, PyObject* kwnames)  (3.9+) */
  PyObject_VectorcallMethod: {
    parameters: ["pointer", "buffer", "pointer", "pointer"],
    result: "pointer",
    optional: true,
  },

  // --- numbers -------------------------------------------------------------
  /** PyObject* PyLong_FromDouble(double v)  (new; exact for every safe integer) */
  PyLong_FromDouble: { parameters: ["f64"], result: "pointer" },
  /** PyObject* PyLong_FromString(const char* str, char** pend, int base)  (new) */
  PyLong_FromString: {
    parameters: ["buffer", "pointer", "i32"],
    result: "pointer",
  },
  /** double PyLong_AsDouble(PyObject* o) */
  PyLong_AsDouble: { parameters: ["pointer"], result: "f64" },
  // --- number protocol (operators as methods) -------------------------------
  /** PyObject* PyNumber_Add(PyObject* a, PyObject* b)  (new) */
  PyNumber_Add: { parameters: ["pointer", "pointer"], result: "pointer" },
  /** PyObject* PyNumber_InPlaceAdd(PyObject* a, PyObject* b)  (new) */
  PyNumber_InPlaceAdd: {
    parameters: ["pointer", "pointer"],
    result: "pointer",
  },
  /** PyObject* PyNumber_Subtract(PyObject* a, PyObject* b)  (new) */
  PyNumber_Subtract: { parameters: ["pointer", "pointer"], result: "pointer" },
  /** PyObject* PyNumber_InPlaceSubtract(PyObject* a, PyObject* b)  (new) */
  PyNumber_InPlaceSubtract: {
    parameters: ["pointer", "pointer"],
    result: "pointer",
  },
  /** PyObject* PyNumber_Multiply(PyObject* a, PyObject* b)  (new) */
  PyNumber_Multiply: { parameters: ["pointer", "pointer"], result: "pointer" },
  /** PyObject* PyNumber_InPlaceMultiply(PyObject* a, PyObject* b)  (new) */
  PyNumber_InPlaceMultiply: {
    parameters: ["pointer", "pointer"],
    result: "pointer",
  },
  /** PyObject* PyNumber_TrueDivide(PyObject* a, PyObject* b)  (new) */
  PyNumber_TrueDivide: {
    parameters: ["pointer", "pointer"],
    result: "pointer",
  },
  /** PyObject* PyNumber_InPlaceTrueDivide(PyObject* a, PyObject* b)  (new) */
  PyNumber_InPlaceTrueDivide: {
    parameters: ["pointer", "pointer"],
    result: "pointer",
  },
  /** PyObject* PyNumber_FloorDivide(PyObject* a, PyObject* b)  (new) */
  PyNumber_FloorDivide: {
    parameters: ["pointer", "pointer"],
    result: "pointer",
  },
  /** PyObject* PyNumber_InPlaceFloorDivide(PyObject* a, PyObject* b)  (new) */
  PyNumber_InPlaceFloorDivide: {
    parameters: ["pointer", "pointer"],
    result: "pointer",
  },
  /** PyObject* PyNumber_Remainder(PyObject* a, PyObject* b)  (new) */
  PyNumber_Remainder: { parameters: ["pointer", "pointer"], result: "pointer" },
  /** PyObject* PyNumber_InPlaceRemainder(PyObject* a, PyObject* b)  (new) */
  PyNumber_InPlaceRemainder: {
    parameters: ["pointer", "pointer"],
    result: "pointer",
  },
  /** PyObject* PyNumber_MatrixMultiply(PyObject* a, PyObject* b)  (new) */
  PyNumber_MatrixMultiply: {
    parameters: ["pointer", "pointer"],
    result: "pointer",
  },
  /** PyObject* PyNumber_InPlaceMatrixMultiply(PyObject* a, PyObject* b)  (new) */
  PyNumber_InPlaceMatrixMultiply: {
    parameters: ["pointer", "pointer"],
    result: "pointer",
  },
  /** PyObject* PyNumber_And(PyObject* a, PyObject* b)  (new) */
  PyNumber_And: { parameters: ["pointer", "pointer"], result: "pointer" },
  /** PyObject* PyNumber_InPlaceAnd(PyObject* a, PyObject* b)  (new) */
  PyNumber_InPlaceAnd: {
    parameters: ["pointer", "pointer"],
    result: "pointer",
  },
  /** PyObject* PyNumber_Or(PyObject* a, PyObject* b)  (new) */
  PyNumber_Or: { parameters: ["pointer", "pointer"], result: "pointer" },
  /** PyObject* PyNumber_InPlaceOr(PyObject* a, PyObject* b)  (new) */
  PyNumber_InPlaceOr: {
    parameters: ["pointer", "pointer"],
    result: "pointer",
  },
  /** PyObject* PyNumber_Xor(PyObject* a, PyObject* b)  (new) */
  PyNumber_Xor: { parameters: ["pointer", "pointer"], result: "pointer" },
  /** PyObject* PyNumber_InPlaceXor(PyObject* a, PyObject* b)  (new) */
  PyNumber_InPlaceXor: {
    parameters: ["pointer", "pointer"],
    result: "pointer",
  },
  /** PyObject* PyNumber_Lshift(PyObject* a, PyObject* b)  (new) */
  PyNumber_Lshift: { parameters: ["pointer", "pointer"], result: "pointer" },
  /** PyObject* PyNumber_InPlaceLshift(PyObject* a, PyObject* b)  (new) */
  PyNumber_InPlaceLshift: {
    parameters: ["pointer", "pointer"],
    result: "pointer",
  },
  /** PyObject* PyNumber_Rshift(PyObject* a, PyObject* b)  (new) */
  PyNumber_Rshift: { parameters: ["pointer", "pointer"], result: "pointer" },
  /** PyObject* PyNumber_InPlaceRshift(PyObject* a, PyObject* b)  (new) */
  PyNumber_InPlaceRshift: {
    parameters: ["pointer", "pointer"],
    result: "pointer",
  },
  /** PyObject* PyNumber_Negative(PyObject* o)  (new) */
  PyNumber_Negative: { parameters: ["pointer"], result: "pointer" },
  /** PyObject* PyNumber_Positive(PyObject* o)  (new) */
  PyNumber_Positive: { parameters: ["pointer"], result: "pointer" },
  /** PyObject* PyNumber_Absolute(PyObject* o)  (new) */
  PyNumber_Absolute: { parameters: ["pointer"], result: "pointer" },
  /** PyObject* PyNumber_Invert(PyObject* o)  (new) */
  PyNumber_Invert: { parameters: ["pointer"], result: "pointer" },
  /** PyObject* PyNumber_Power(PyObject* a, PyObject* b, PyObject* c)  (new; c is None for no modulus) */
  PyNumber_Power: {
    parameters: ["pointer", "pointer", "pointer"],
    result: "pointer",
  },
  /** PyObject* PyNumber_InPlacePower(PyObject* a, PyObject* b, PyObject* c)  (new) */
  PyNumber_InPlacePower: {
    parameters: ["pointer", "pointer", "pointer"],
    result: "pointer",
  },
  /** PyObject* PyNumber_Index(PyObject* o)  (new) */
  PyNumber_Index: { parameters: ["pointer"], result: "pointer" },
  /** PyObject* PyNumber_ToBase(PyObject* n, int base)  (new) */
  PyNumber_ToBase: { parameters: ["pointer", "i32"], result: "pointer" },
  /** PyObject* PyFloat_FromDouble(double v)  (new) */
  PyFloat_FromDouble: { parameters: ["f64"], result: "pointer" },
  /** double PyFloat_AsDouble(PyObject* o) */
  PyFloat_AsDouble: { parameters: ["pointer"], result: "f64" },

  // --- str, bytes ----------------------------------------------------------
  /** PyObject* PyUnicode_DecodeUTF8(const char* s, Py_ssize_t size, const char* errors)  (new) */
  PyUnicode_DecodeUTF8: {
    parameters: ["buffer", "pointer", "pointer"],
    result: "pointer",
  },
  /** PyObject* PyUnicode_DecodeUTF16(const char* s, Py_ssize_t size, const char* errors, int* byteorder)  (new) */
  PyUnicode_DecodeUTF16: {
    parameters: ["buffer", "pointer", "buffer", "buffer"],
    result: "pointer",
  },
  /** const char* PyUnicode_AsUTF8AndSize(PyObject* u, Py_ssize_t* size)  (owned by u) */
  PyUnicode_AsUTF8AndSize: {
    parameters: ["pointer", "buffer"],
    result: "pointer",
  },
  /** PyObject* PyUnicode_AsEncodedString(PyObject* u, const char* encoding, const char* errors)  (new) */
  PyUnicode_AsEncodedString: {
    parameters: ["pointer", "buffer", "buffer"],
    result: "pointer",
  },
  /** PyObject* PyUnicode_InternFromString(const char* s)  (new) */
  PyUnicode_InternFromString: { parameters: ["buffer"], result: "pointer" },
  /** PyObject* PyBytes_FromStringAndSize(const char* v, Py_ssize_t len)  (new) */
  PyBytes_FromStringAndSize: {
    parameters: ["buffer", "pointer"],
    result: "pointer",
  },
  /** char* PyBytes_AsString(PyObject* o)  (owned by o) */
  PyBytes_AsString: { parameters: ["pointer"], result: "pointer" },
  /** Py_ssize_t PyBytes_Size(PyObject* o) */
  PyBytes_Size: { parameters: ["pointer"], result: "isize" },
  /** PyObject* PyByteArray_FromStringAndSize(const char* v, Py_ssize_t len)  (new) */
  PyByteArray_FromStringAndSize: {
    parameters: ["buffer", "pointer"],
    result: "pointer",
  },
  /** char* PyByteArray_AsString(PyObject* o)  (owned by o) */
  PyByteArray_AsString: { parameters: ["pointer"], result: "pointer" },
  /** Py_ssize_t PyByteArray_Size(PyObject* o) */
  PyByteArray_Size: { parameters: ["pointer"], result: "isize" },

  // --- containers ----------------------------------------------------------
  /** PyObject* PyDict_New(void)  (new) */
  PyDict_New: { parameters: [], result: "pointer" },
  /** int PyDict_SetItem(PyObject* p, PyObject* key, PyObject* val) */
  PyDict_SetItem: {
    parameters: ["pointer", "pointer", "pointer"],
    result: "i32",
  },
  /** PyObject* PyDict_GetItemWithError(PyObject* p, PyObject* key)  (borrowed) */
  PyDict_GetItemWithError: {
    parameters: ["pointer", "pointer"],
    result: "pointer",
  },
  /** int PyDict_DelItem(PyObject* p, PyObject* key) */
  PyDict_DelItem: { parameters: ["pointer", "pointer"], result: "i32" },
  /** int PyDict_Contains(PyObject* p, PyObject* key) */
  PyDict_Contains: { parameters: ["pointer", "pointer"], result: "i32" },
  /** Py_ssize_t PyDict_Size(PyObject* p) */
  PyDict_Size: { parameters: ["pointer"], result: "isize" },
  /** PyObject* PyDict_Keys(PyObject* p)  (new list) */
  PyDict_Keys: { parameters: ["pointer"], result: "pointer" },
  /** PyObject* PyDict_Values(PyObject* p)  (new list) */
  PyDict_Values: { parameters: ["pointer"], result: "pointer" },
  /** PyObject* PyDict_Items(PyObject* p)  (new list) */
  PyDict_Items: { parameters: ["pointer"], result: "pointer" },
  /** PyObject* PyDict_Copy(PyObject* p)  (new) */
  PyDict_Copy: { parameters: ["pointer"], result: "pointer" },
  /** int PyDict_Update(PyObject* a, PyObject* b) */
  PyDict_Update: { parameters: ["pointer", "pointer"], result: "i32" },
  /** void PyDict_Clear(PyObject* p) */
  PyDict_Clear: { parameters: ["pointer"], result: "void" },
  /** int PyDict_Next(PyObject* p, Py_ssize_t* ppos, PyObject** pkey, PyObject** pvalue)  (borrowed key, value) */
  PyDict_Next: {
    parameters: ["pointer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  /** PyObject* PyList_New(Py_ssize_t len)  (new) */
  PyList_New: { parameters: ["pointer"], result: "pointer" },
  /** int PyList_SetSlice(PyObject* list, Py_ssize_t low, Py_ssize_t high, PyObject* itemlist)  (NULL deletes) */
  PyList_SetSlice: {
    parameters: ["pointer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  /** PyObject* PyList_GetItem(PyObject* list, Py_ssize_t index)  (borrowed) */
  PyList_GetItem: { parameters: ["pointer", "pointer"], result: "pointer" },
  /** int PyList_SetItem(PyObject* list, Py_ssize_t index, PyObject* item)  (steals item) */
  PyList_SetItem: {
    parameters: ["pointer", "pointer", "pointer"],
    result: "i32",
  },
  /** int PyList_Insert(PyObject* list, Py_ssize_t index, PyObject* item) */
  PyList_Insert: {
    parameters: ["pointer", "pointer", "pointer"],
    result: "i32",
  },
  /** int PyList_Append(PyObject* list, PyObject* item) */
  PyList_Append: { parameters: ["pointer", "pointer"], result: "i32" },
  /** Py_ssize_t PyList_Size(PyObject* list) */
  PyList_Size: { parameters: ["pointer"], result: "isize" },
  /** int PyList_Sort(PyObject* list) */
  PyList_Sort: { parameters: ["pointer"], result: "i32" },
  /** int PyList_Reverse(PyObject* list) */
  PyList_Reverse: { parameters: ["pointer"], result: "i32" },
  /** PyObject* PyList_AsTuple(PyObject* list)  (new) */
  PyList_AsTuple: { parameters: ["pointer"], result: "pointer" },
  /** PyObject* PySequence_List(PyObject* o)  (new) */
  PySequence_List: { parameters: ["pointer"], result: "pointer" },
  /** PyObject* PySequence_Tuple(PyObject* o)  (new) */
  PySequence_Tuple: { parameters: ["pointer"], result: "pointer" },
  /** PyObject* PySequence_GetSlice(PyObject* o, Py_ssize_t i1, Py_ssize_t i2)  (new) */
  PySequence_GetSlice: {
    parameters: ["pointer", "pointer", "pointer"],
    result: "pointer",
  },
  /** PyObject* PyTuple_New(Py_ssize_t len)  (new) */
  PyTuple_New: { parameters: ["pointer"], result: "pointer" },
  /** void PyObject_GC_UnTrack(void* op): the collector no longer visits `op` */
  PyObject_GC_UnTrack: { parameters: ["pointer"], result: "void" },
  /** PyObject* PyTuple_GetItem(PyObject* p, Py_ssize_t pos)  (borrowed) */
  PyTuple_GetItem: { parameters: ["pointer", "pointer"], result: "pointer" },
  /** int PyTuple_SetItem(PyObject* p, Py_ssize_t pos, PyObject* o)  (steals o) */
  PyTuple_SetItem: {
    parameters: ["pointer", "pointer", "pointer"],
    result: "i32",
  },
  /** Py_ssize_t PyTuple_Size(PyObject* p) */
  PyTuple_Size: { parameters: ["pointer"], result: "isize" },
  /** PyObject* PySet_New(PyObject* iterable)  (new; iterable may be NULL) */
  PySet_New: { parameters: ["pointer"], result: "pointer" },
  /** PyObject* PyFrozenSet_New(PyObject* iterable)  (new) */
  PyFrozenSet_New: { parameters: ["pointer"], result: "pointer" },
  /** int PySet_Add(PyObject* set, PyObject* key) */
  PySet_Add: { parameters: ["pointer", "pointer"], result: "i32" },
  /** int PySet_Discard(PyObject* set, PyObject* key) */
  PySet_Discard: { parameters: ["pointer", "pointer"], result: "i32" },
  /** int PySet_Contains(PyObject* anyset, PyObject* key) */
  PySet_Contains: { parameters: ["pointer", "pointer"], result: "i32" },
  /** PyObject* PySet_Pop(PyObject* set)  (new) */
  PySet_Pop: { parameters: ["pointer"], result: "pointer" },
  /** Py_ssize_t PySet_Size(PyObject* anyset) */
  PySet_Size: { parameters: ["pointer"], result: "isize" },
  /** PyObject* PySlice_New(PyObject* start, PyObject* stop, PyObject* step)  (new) */
  PySlice_New: {
    parameters: ["pointer", "pointer", "pointer"],
    result: "pointer",
  },

  // --- modules, code -------------------------------------------------------
  /** PyObject* PyImport_Import(PyObject* name)  (new) */
  PyImport_Import: { parameters: ["pointer"], result: "pointer" },
  /** PyObject* PyImport_AddModule(const char* name)  (borrowed) */
  PyImport_AddModule: { parameters: ["buffer"], result: "pointer" },
  /** PyObject* PyModule_GetDict(PyObject* module)  (borrowed) */
  PyModule_GetDict: { parameters: ["pointer"], result: "pointer" },
  /** PyObject* PyModule_NewObject(PyObject* name)  (new) */
  PyModule_NewObject: { parameters: ["pointer"], result: "pointer" },
  /** PyObject* PyEval_GetBuiltins(void)  (borrowed) */
  PyEval_GetBuiltins: { parameters: [], result: "pointer" },
  /** PyObject* Py_CompileString(const char* str, const char* filename, int start)  (new) */
  Py_CompileString: {
    parameters: ["buffer", "buffer", "i32"],
    result: "pointer",
  },
  /** PyObject* PyEval_EvalCode(PyObject* co, PyObject* globals, PyObject* locals)  (new) */
  PyEval_EvalCode: {
    parameters: ["pointer", "pointer", "pointer"],
    result: "pointer",
  },
  /** PyObject* PyImport_ExecCodeModuleEx(const char* name, PyObject* co, const char* pathname)  (new) */
  PyImport_ExecCodeModuleEx: {
    parameters: ["buffer", "pointer", "buffer"],
    result: "pointer",
  },
  /** PyObject* PyImport_GetModuleDict(void)  (borrowed) */
  PyImport_GetModuleDict: { parameters: [], result: "pointer" },

  // --- functions implemented in TypeScript ------------------------------------
  /** PyObject* PyCFunction_NewEx(PyMethodDef* ml, PyObject* self, PyObject* module)  (new) */
  PyCFunction_NewEx: {
    parameters: ["pointer", "pointer", "pointer"],
    result: "pointer",
  },
  /** PyObject* PyWeakref_NewRef(PyObject* ob, PyObject* callback)  (new) */
  PyWeakref_NewRef: { parameters: ["pointer", "pointer"], result: "pointer" },
  /** PyObject* PyWeakref_GetObject(PyObject* ref)  (borrowed; None once dead) */
  PyWeakref_GetObject: { parameters: ["pointer"], result: "pointer" },
  /** PyObject* PyCapsule_New(void* pointer, const char* name, PyCapsule_Destructor destructor)  (new) */
  PyCapsule_New: {
    parameters: ["pointer", "pointer", "function"],
    result: "pointer",
  },
  /** void* PyCapsule_GetPointer(PyObject* capsule, const char* name) */
  PyCapsule_GetPointer: {
    parameters: ["pointer", "pointer"],
    result: "pointer",
  },

  // --- buffers (issue 14) -----------------------------------------------------
  /** int PyObject_GetBuffer(PyObject* exporter, Py_buffer* view, int flags)  (0, or -1 with an exception set) */
  PyObject_GetBuffer: {
    parameters: ["pointer", "buffer", "i32"],
    result: "i32",
  },
  /** void PyBuffer_Release(Py_buffer* view)  (drops view->obj) */
  PyBuffer_Release: { parameters: ["buffer"], result: "void" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The loaded table's type. */
export type PySymbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];
